"""Consent on the message house: per partner, complete before adoption, objections visible."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.file import parse_alliance_document
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.dispatch import command_from_text, handle, press
from bot.core.house.content import (
    HouseContent,
    PillarContent,
    current_version,
    house_view,
    version_content,
)
from bot.core.house.handlers import submit_answer, submit_proposal
from bot.core.house.models import Proposal
from bot.core.house.proposals import ProposalError, proposal_status
from bot.core.kernel.models import Person
from bot.core.kernel.replies import Reply
from bot.core.outbox.models import Delivery
from bot.db import session_scope
from bot.render.plain import render_plain

PARTNERS = ("a", "b", "c", "d", "e")


def _document() -> dict[str, object]:
    people: list[dict[str, object]] = [
        {
            "key": f"adv-{p}",
            "name": f"Adviser {p.upper()}",
            "roles": ["adviser"],
            "partner": p,
            "slack": f"U0ADV{p.upper()}1",
        }
        for p in PARTNERS
    ]
    people.append(
        {
            "key": "adv-a2",
            "name": "Second Adviser A",
            "roles": ["adviser"],
            "partner": "a",
            "slack": "U0ADVA2",
        }
    )
    people.append(
        {
            "key": "amb",
            "name": "Ambassador",
            "roles": ["ambassador"],
            "partner": "b",
            "telegram": 555001,
        }
    )
    return {
        "alliance": {"name": "Test Alliance", "language": "en", "adviser_channel": "C0ADV"},
        "delivery": {"quiet_hours": "00:00-00:00", "weekly_cap": 20},
        "message_house": {
            "roof": "Together we keep people at home.",
            "pillars": [{"title": "Homes", "message": "Homes that fit.", "proof": ["100 homes"]}],
        },
        "partners": [{"key": p, "name": f"Partner {p.upper()}"} for p in PARTNERS],
        "people": people,
    }


NEW = HouseContent(
    "Together we keep people at home.",
    (PillarContent("Homes", "Homes that fit every stage of life.", ("120 homes",)),),
)


@pytest.fixture
def five(engine: Engine) -> Iterator[Engine]:
    with session_scope(engine) as session:
        load_alliance(
            session, parse_alliance_document(_document()), __import__("pathlib").Path(".")
        )
    yield engine


def _person(session: Session, key: str) -> Person:
    return session.exec(select(Person).where(Person.key == key)).one()


def _propose(engine: Engine, by: str = "adv-a", content: HouseContent = NEW) -> int:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        status, _ = submit_proposal(session, alliance, _person(session, by), content, "new figures")
        return status.proposal.id or 0


def _answer(engine: Engine, by: str, verdict: str = "endorse", reason: str = "") -> int | None:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        _, adopted = submit_answer(session, alliance, _person(session, by), verdict, reason)  # type: ignore[arg-type]
        return adopted.version if adopted else None


def _house_version(engine: Engine) -> tuple[int, HouseContent]:
    with Session(engine) as session:
        version = current_version(session, get_alliance(session).id or 0)
        assert version is not None
        return version.version, version_content(session, version)


def test_a_proposal_changes_nothing_until_adopted(five: Engine) -> None:
    before = _house_version(five)
    _propose(five)
    _answer(five, "adv-b")
    assert _house_version(five) == before


def test_four_of_five_partners_do_not_adopt_the_fifth_does(five: Engine) -> None:
    _propose(five)
    for partner in PARTNERS[:4]:
        assert _answer(five, f"adv-{partner}") is None
    assert _house_version(five)[0] == 1
    assert _answer(five, "adv-e") == 2
    version, content = _house_version(five)
    assert (version, content) == (2, NEW)
    with Session(five) as session:
        assert session.exec(select(Proposal)).one().status == "adopted"
        view = house_view(session, get_alliance(session))
        assert view is not None
        assert sorted(p.key for p in view.endorsed_by) == list(PARTNERS)
        assert view.to_json()["endorsed_by"] == sorted(
            PARTNERS, key=lambda k: f"Partner {k.upper()}"
        )


def test_two_advisers_of_the_same_partner_count_once(five: Engine) -> None:
    _propose(five)
    for adviser in ("adv-a", "adv-a2", "adv-b", "adv-c", "adv-d"):
        assert _answer(five, adviser) is None
    with Session(five) as session:
        status = proposal_status(
            session, get_alliance(session), session.exec(select(Proposal)).one()
        )
    assert len(status.endorsed) == 4
    assert [p.key for p in status.missing] == ["e"]


def test_an_ambassador_cannot_endorse_and_hears_why(five: Engine) -> None:
    _propose(five)
    with session_scope(five) as session:
        ambassador = _person(session, "amb")
        reply = handle(session, command_from_text(ambassador.id or 0, "endorse", "telegram"))
        with pytest.raises(ProposalError, match="not_adviser"):
            submit_answer(session, get_alliance(session), ambassador, "endorse")
    assert "Only advisers can use /endorse" in render_plain(reply)


def test_an_objection_blocks_adoption_and_is_shown_to_everyone(five: Engine) -> None:
    _propose(five)
    _answer(five, "adv-e", "object", "Our board has not seen it yet")
    for partner in PARTNERS[:4]:
        assert _answer(five, f"adv-{partner}") is None
    assert _house_version(five)[0] == 1
    with session_scope(five) as session:
        viewer = _person(session, "adv-b")
        shown = render_plain(handle(session, command_from_text(viewer.id or 0, "propose", "slack")))
        notices = session.exec(
            select(Delivery).where(Delivery.dedupe_key.like("%objection%"))
        ).all()  # type: ignore[attr-defined]
    assert "Partner E objects: Our board has not seen it yet" in shown
    assert {n.person_id for n in notices} and all("Our board" in n.body for n in notices)
    assert len(notices) == len(PARTNERS)  # every adviser but the one who objected
    assert _answer(five, "adv-e") == 2  # the partner endorses after all: adopted


def test_an_objection_needs_a_reason(five: Engine) -> None:
    _propose(five)
    with pytest.raises(ProposalError, match="objection_needs_reason"):
        _answer(five, "adv-b", "object", "  ")


def test_adoption_bumps_the_version_and_tells_everyone_through_the_outbox(five: Engine) -> None:
    proposal_id = _propose(five)
    with Session(five) as session:
        asks = session.exec(
            select(Delivery).where(Delivery.dedupe_key.like(f"house:{proposal_id}:ask:%"))
        ).all()  # type: ignore[attr-defined]
        assert len(asks) == 5  # every adviser but the proposer
        assert all(d.buttons and d.buttons[0]["action"] == f"he:{proposal_id}" for d in asks)
    for partner in PARTNERS:
        _answer(five, f"adv-{partner}")
    with Session(five) as session:
        adopted = session.exec(select(Delivery).where(Delivery.dedupe_key.like("house:v2:%"))).all()  # type: ignore[attr-defined]
        reminders = session.exec(
            select(Delivery).where(Delivery.dedupe_key.like(f"house:{proposal_id}:remind:%"))
        ).all()  # type: ignore[attr-defined]
    assert len(adopted) == 7 + 1  # seven people with an account, and the advisers' channel
    assert all("Homes that fit every stage of life" in d.body for d in adopted)
    assert {r.status for r in reminders} == {"cancelled"}, "answered partners get no reminder"


def test_a_new_proposal_replaces_an_open_one_only_explicitly(five: Engine) -> None:
    _propose(five)
    other = HouseContent("Another roof.", NEW.pillars)
    with pytest.raises(ProposalError, match="already_open"):
        _propose(five, "adv-b", other)
    with session_scope(five) as session:
        status, _ = submit_proposal(
            session, get_alliance(session), _person(session, "adv-b"), other, "better", replace=True
        )
        assert status.proposal.roof == "Another roof."
        statuses = sorted(p.status for p in session.exec(select(Proposal)))
    assert statuses == ["open", "replaced"]


def test_proposing_the_current_house_is_refused(five: Engine) -> None:
    _, current = _house_version(five)
    with pytest.raises(ProposalError, match="no_change"):
        _propose(five, content=current)


def test_a_quorum_adopts_with_fewer_partners(five: Engine) -> None:
    with session_scope(five) as session:
        get_alliance(session).quorum = 3
    _propose(five)
    assert _answer(five, "adv-a") is None
    assert _answer(five, "adv-b") is None
    assert _answer(five, "adv-c") == 2


def test_chat_flow_propose_endorse_by_button_withdraw(five: Engine) -> None:
    def say(who: str, text: str) -> Reply:
        with session_scope(five) as session:
            return handle(
                session, command_from_text(_person(session, who).id or 0, text, "console")
            )

    opened = say("adv-a", "propose reason: fresher figures // pillar: Homes | Homes for life")
    assert "Proposal for version 2" in render_plain(opened)
    assert [b.label for b in opened.buttons] == ["Endorse", "Object"]
    with session_scope(five) as session:
        pressed = press(
            session, _person(session, "adv-b").id or 0, opened.buttons[0].action, "console"
        )
    assert "Partner B endorses" in render_plain(pressed)
    assert "The proposal is withdrawn" in render_plain(say("adv-c", "propose withdraw"))
    with session_scope(five) as session:
        stale = press(
            session, _person(session, "adv-d").id or 0, opened.buttons[0].action, "console"
        )
        forged = press(session, _person(session, "adv-d").id or 0, "he:99999", "console")
        junk = press(session, _person(session, "adv-d").id or 0, "he::\n", "console")
    for reply in (stale, forged, junk):
        assert "no longer open" in render_plain(reply)
    assert _house_version(five)[0] == 1


def test_notes_per_partner_follow_the_pillar(five: Engine) -> None:
    with session_scope(five) as session:
        adviser = _person(session, "adv-b")
        set_reply = handle(
            session,
            command_from_text(
                adviser.id or 0, "note 1 For our tenants: <moving> is optional", "console"
            ),
        )
        house = handle(session, command_from_text(adviser.id or 0, "house", "console"))
        other = handle(
            session, command_from_text(_person(session, "adv-c").id or 0, "house", "console")
        )
        usage = handle(session, command_from_text(adviser.id or 0, "note 9 text", "console"))
    assert "Saved" in render_plain(set_reply)
    assert "For Partner B: For our tenants: <moving> is optional" in render_plain(house)
    assert "For our tenants" not in render_plain(other)
    assert "1 to 1" in render_plain(usage)


def test_a_closed_proposal_asks_nobody_any_more(five: Engine) -> None:
    proposal_id = _propose(five)
    with session_scope(five) as session:
        get_alliance(session).quorum = 2
    _answer(five, "adv-b")
    assert _answer(five, "adv-c") == 2  # adopted with two of five
    with Session(five) as session:
        leftover = session.exec(
            select(Delivery).where(
                col(Delivery.dedupe_key).startswith(f"house:{proposal_id}:"),
                Delivery.status == "pending",
            )
        ).all()
    assert leftover == [], "no reminders about a proposal that is already adopted"
