"""Consent on a decision of any kind: per partner, an objection holds, the kind's hook runs
on adoption, notices and buttons go through the outbox, stale buttons are out of date."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.file import parse_alliance_document
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.consent import (
    ConsentError,
    ConsentKind,
    Decision,
    DecisionKind,
    status,
    submit_proposal,
    tally,
)
from bot.core.consent import kinds as consent_kinds
from bot.core.kernel import Alliance, Partner, Person, _
from bot.core.outbox.models import Delivery
from bot.db import session_scope
from tests.fakes.conversation import person_id, press_as, say, words

PARTNERS = ("a", "b", "c")
ADOPTED: list[str] = []


def _document() -> dict[str, object]:
    people: list[dict[str, object]] = [
        {
            "key": f"adv-{p}",
            "name": f"Adviser {p.upper()}",
            "roles": ["adviser"],
            "partner": p,
            "slack": f"U0ADV{p.upper()}",
        }
        for p in PARTNERS
    ]
    people.append(
        {"key": "amb", "name": "Amb", "roles": ["ambassador"], "partner": "a", "telegram": 5551}
    )
    return {
        "alliance": {"name": "Test", "language": "en", "adviser_channel": "C0ADV"},
        "delivery": {"quiet_hours": "00:00-00:00", "weekly_cap": 20},
        "partners": [{"key": p, "name": f"Partner {p.upper()}"} for p in PARTNERS],
        "people": people,
    }


def _check(_session: Session, _alliance: Alliance, value: str) -> str:
    if value.lower() not in {"red", "blue"}:
        raise ConsentError("bad_value", value=value, choices="red, blue")
    return value.lower()


@pytest.fixture
def colours(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """Three partners, and a test kind whose adoption is recorded in `ADOPTED`."""
    entry = ConsentKind(
        DecisionKind.PHASE,
        _("the phase"),
        check=_check,
        current=lambda _s, _a: ADOPTED[-1] if ADOPTED else "red",
        adopt=lambda _s, _a, decision: ADOPTED.append(decision.value),
        describe=lambda _texts, value: value.upper(),
    )
    monkeypatch.setitem(consent_kinds._KINDS, DecisionKind.PHASE, entry)
    ADOPTED.clear()
    with session_scope(engine) as session:
        load_alliance(session, parse_alliance_document(_document()), Path("."))
    yield engine


def _propose(engine: Engine, value: str = "blue", by: str = "adv-a") -> int:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        person = session.get_one(Person, person_id(session, by))
        current, asked = submit_proposal(
            session, alliance, person, DecisionKind.PHASE, value, "time to move on"
        )
        assert asked == 2  # the advisers of the other two partners
        return current.decision.id or 0


def test_the_rule_counts_partners_and_an_objection_holds() -> None:
    partners = [Partner(id=i, alliance_id=1, key=str(i), name=str(i)) for i in (1, 2, 3)]
    assert tally(partners, {1: ("endorse", None), 2: ("endorse", None)}, None).adoptable is False
    assert tally(partners, {1: ("endorse", None), 2: ("endorse", None)}, 2).adoptable is True
    held = tally(partners, {1: ("endorse", None), 2: ("endorse", None), 3: ("object", "no")}, 2)
    assert held.adoptable is False and held.objected[0][1] == "no"
    gone = tally(
        partners[:2], {1: ("endorse", None), 2: ("endorse", None), 3: ("object", "x")}, None
    )
    assert gone.adoptable is True  # an answer of a partner no longer active does not count


def test_adopted_when_every_partner_endorses_and_the_hook_runs(colours: Engine) -> None:
    decision_id = _propose(colours)
    with Session(colours) as session:
        asks = session.exec(select(Delivery).where(Delivery.decision_id == decision_id)).all()
    assert {d.buttons[0]["action"] for d in asks} == {f"ce:{decision_id}"}
    reply = say(colours, "adv-b", f"decision endorse {decision_id}")
    assert "Partner B endorses" in words(reply) and ADOPTED == []
    say(colours, "adv-a", "decision endorse")  # the only open one: no number needed
    reply = press_as(colours, "adv-c", f"ce:{decision_id}")
    assert "the phase is now “BLUE”" in words(reply)
    assert ADOPTED == ["blue"]
    with Session(colours) as session:
        decision = session.get_one(Decision, decision_id)
        assert decision.status == "adopted" and decision.decided_at is not None
        pending = session.exec(
            select(Delivery).where(
                Delivery.decision_id == decision_id,
                Delivery.kind == "decision",
                Delivery.status == "pending",
            )
        ).all()
        told = session.exec(
            select(Delivery).where(Delivery.dedupe_key.like(f"decision:{decision_id}:adopted:%"))
        ).all()  # type: ignore[attr-defined]
    assert pending == []  # the reminders went with the decision
    assert len(told) == 4 + 1  # everyone, and the advisers' channel


def test_an_objection_holds_until_that_partner_endorses(colours: Engine) -> None:
    decision_id = _propose(colours)
    refused = say(colours, "adv-b", f"decision object {decision_id}")
    assert "needs a reason" in words(refused)
    say(colours, "adv-b", f"decision object {decision_id} our board has not seen it")
    say(colours, "adv-a", "decision endorse")
    shown = words(say(colours, "adv-c", "decision endorse"))
    assert "Partner B objects: our board has not seen it" in shown
    assert ADOPTED == []
    say(colours, "adv-b", "decision endorse")  # the same partner changes its answer
    assert ADOPTED == ["blue"]


def test_a_stale_button_and_someone_without_a_partner(colours: Engine) -> None:
    decision_id = _propose(colours)
    assert press_as(colours, "amb", f"ce:{decision_id}").refused
    say(colours, "adv-b", f"decision withdraw {decision_id}")
    assert press_as(colours, "adv-b", f"ce:{decision_id}").stale
    assert press_as(colours, "adv-b", "ce:99999999").stale
    assert "no open proposal" in words(say(colours, "adv-b", "decision"))


def test_bad_values_a_second_proposal_and_no_change(colours: Engine) -> None:
    with session_scope(colours) as session, pytest.raises(ConsentError, match="bad_value"):
        _submit(session, "green")
    with session_scope(colours) as session, pytest.raises(ConsentError, match="no_change"):
        _submit(session, "red")
    _propose(colours)
    with session_scope(colours) as session, pytest.raises(ConsentError, match="already_open"):
        _submit(session, "blue")
    with session_scope(colours) as session:
        _submit(session, "blue", replace=True)
        assert [d.status for d in session.exec(select(Decision).order_by(Decision.id))] == [  # type: ignore[arg-type]
            "replaced",
            "open",
        ]
        assert (
            status(session, get_alliance(session), session.get_one(Decision, 2)).tally.needed == 3
        )


def test_the_dutch_words_and_the_object_button(colours: Engine) -> None:
    decision_id = _propose(colours)
    how = words(press_as(colours, "adv-b", f"co:{decision_id}"))
    assert f"decision object {decision_id}" in how
    with session_scope(colours) as session:
        person = session.get_one(Person, person_id(session, "adv-c"))
        person.language = "nl"
    reply = words(say(colours, "adv-c", f"besluit bezwaar {decision_id} te vroeg"))
    assert "Partner C maakt bezwaar" in reply
    assert "Partner C maakt bezwaar" in reply


def _submit(session: Session, value: str, replace: bool = False) -> None:
    alliance = get_alliance(session)
    person = session.get_one(Person, person_id(session, "adv-a"))
    submit_proposal(session, alliance, person, DecisionKind.PHASE, value, "why", replace)
