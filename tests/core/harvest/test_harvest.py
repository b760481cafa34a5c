"""The harvest: asked after "done", added by anyone, made a proof point by a coordinator
(through the house's own proposal flow), and told to everyone once a month."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import open_form, press, submit
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.followup.models import Agreement
from bot.core.harvest.models import Harvest
from bot.core.harvest.proof import plan_together
from bot.core.harvest.records import harvest_rows, is_coordinator, split_figure
from bot.core.house import house_view, submit_answer
from bot.core.house.models import Proposal
from bot.core.kernel.forms import Form, Submission
from bot.core.kernel.models import Partner, Person
from bot.core.outbox.models import Delivery
from bot.db import session_scope
from bot.render.plain import render_plain
from tests.fakes.conversation import message as _message
from tests.fakes.conversation import person_id as _id
from tests.fakes.conversation import press_as as _press
from tests.fakes.conversation import say as _say


def _agreement(engine: Engine) -> int:
    made, due = date(2026, 10, 1), date(2026, 12, 20)
    row = AgreementRow("A1", "Informatieavond", "woonkracht", None, made, due, None)
    with session_scope(engine) as session:
        import_agreements(session, get_alliance(session), [row])
        return session.exec(select(Agreement)).one().id or 0


def _harvests(engine: Engine) -> list[Harvest]:
    with Session(engine) as session:
        return list(session.exec(select(Harvest).order_by(Harvest.id)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("45 huurders kwamen | 45", "nl", ("45 huurders kwamen", 45.0)),
        ("Bereik | 1.200", "nl", ("Bereik", 1200.0)),
        ("Reach | 1,200", "en", ("Reach", 1200.0)),
        ("Kosten | € 2,5", "nl", ("Kosten", 2.5)),
        ("Geen getal | veel", "nl", ("Geen getal | veel", None)),
        ("Alleen een zin", "en", ("Alleen een zin", None)),
        ("| 12", "nl", ("| 12", None)),
    ],
)
def test_a_figure_follows_the_last_bar_in_the_writers_notation(
    text: str, language: str, expected: tuple[str, float | None]
) -> None:
    assert split_figure(text, language) == expected


def test_done_asks_what_it_brought_and_the_answer_is_harvested(demo_engine: Engine) -> None:
    agreement_id = _agreement(demo_engine)
    asked = _press(demo_engine, "anna", f"ad:{agreement_id}")
    assert "Wat heeft het opgeleverd" in render_plain(asked)
    assert [b.action for b in asked.buttons] == [f"hvs:{agreement_id}"]
    thanks = _message(demo_engine, "anna", "45 huurders kwamen naar de avond | 45")
    assert "Geoogst" in render_plain(thanks)
    (harvest,) = _harvests(demo_engine)
    assert (harvest.text, harvest.figure, harvest.agreement_id) == (
        "45 huurders kwamen naar de avond",
        45.0,
        agreement_id,
    )
    undo = thanks.buttons[0].action
    assert _press(demo_engine, "bram", undo).refused  # only who reported it takes it back
    assert "Teruggenomen" in render_plain(_press(demo_engine, "anna", undo))
    assert _harvests(demo_engine) == []


def test_skipping_takes_one_tap_and_the_next_message_is_not_harvested(
    demo_engine: Engine,
) -> None:
    agreement_id = _agreement(demo_engine)
    _press(demo_engine, "anna", f"ad:{agreement_id}")
    assert "geen oogst" in render_plain(_press(demo_engine, "anna", f"hvs:{agreement_id}"))
    assert _press(demo_engine, "anna", f"hvs:{agreement_id}").stale
    _message(demo_engine, "anna", "dit is geen oogst")
    assert _harvests(demo_engine) == []


def test_an_ambassador_reports_a_result_credited_to_her_organisation(demo_engine: Engine) -> None:
    reply = _say(demo_engine, "gerda", "oogst nieuw Buurtavond in Tiel goed bezocht | 80")
    assert "Geoogst" in render_plain(reply)
    assert "oogst nieuw" in render_plain(_say(demo_engine, "gerda", "oogst nieuw"))
    with Session(demo_engine) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        rows = harvest_rows(session, get_alliance(session))
    assert [(r["text"], r["figure"], r["agreement"]) for r in rows] == [
        ("Buurtavond in Tiel goed bezocht", 80.0, None)
    ]
    assert (rows[0]["partner"], rows[0]["region"]) == ("welzijn", "west")
    assert gerda.partner_id is not None
    listed = render_plain(_say(demo_engine, "gerda", "harvest"))
    assert "Buurtavond in Tiel" in listed
    assert not _say(demo_engine, "gerda", "harvest").buttons  # no proof-point buttons for her


def test_coordinators_are_the_advisers_until_the_file_names_some(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        assert is_coordinator(session, anna) and not is_coordinator(session, gerda)
        bram = session.exec(select(Person).where(Person.key == "bram")).one()
        bram.roles = "adviser,coordinator"
        session.flush()
        assert is_coordinator(session, bram) and not is_coordinator(session, anna)


def test_a_harvest_becomes_a_proof_point_and_once_adopted_shows_in_the_house(
    demo_engine: Engine,
) -> None:
    agreement_id = _agreement(demo_engine)
    _press(demo_engine, "anna", f"ad:{agreement_id}")
    _message(demo_engine, "anna", "45 huurders kwamen naar de avond | 45")
    (harvest,) = _harvests(demo_engine)
    listed = _say(demo_engine, "bram", "oogst")
    assert f"hvp:{harvest.id}" in [b.action for b in listed.buttons]
    pillars = _press(demo_engine, "bram", f"hvp:{harvest.id}")
    assert [b.action for b in pillars.buttons][:2] == [f"hvq:{harvest.id}:1", f"hvq:{harvest.id}:2"]
    assert _press(demo_engine, "gerda", f"hvq:{harvest.id}:2").refused
    proposed = _press(demo_engine, "bram", f"hvq:{harvest.id}:2")
    assert "Voorgesteld" in render_plain(proposed)
    credited = "45 huurders kwamen naar de avond (Woonkracht Rivierenland)"
    with Session(demo_engine) as session:
        proposal = session.exec(select(Proposal)).one()
        assert credited in proposal.pillars[1]["proof"]
        assert "Woonkracht Rivierenland" in proposal.reason
    assert "al in een voorstel" in render_plain(
        _say(demo_engine, "bram", f"oogst bewijs {harvest.id} 1")
    )
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        for person in session.exec(select(Person)).all():
            if "adviser" in person.role_set and person.partner_id is not None:
                submit_answer(session, alliance, person, "endorse")
    with Session(demo_engine) as session:
        view = house_view(session, get_alliance(session))
    assert view is not None and view.version == 2
    assert credited in view.content.pillars[1].proof
    assert credited in render_plain(_say(demo_engine, "anna", "kernboodschap"))


def test_a_second_open_proposal_is_not_opened_over_the_first(demo_engine: Engine) -> None:
    _say(demo_engine, "anna", "oogst nieuw Eerste | 1")
    _say(demo_engine, "anna", "oogst nieuw Tweede | 2")
    first, second = _harvests(demo_engine)
    assert "Voorgesteld" in render_plain(_say(demo_engine, "anna", f"oogst bewijs {first.id} 1"))
    blocked = render_plain(_say(demo_engine, "anna", f"oogst bewijs {second.id} 1"))
    assert "nog een ander voorstel" in blocked
    assert "kies er een van 1 tot en met 3" in render_plain(
        _say(demo_engine, "anna", f"oogst bewijs {second.id} 9")
    )
    with Session(demo_engine) as session:
        assert len(session.exec(select(Proposal)).all()) == 1


def test_the_month_goes_to_everyone_once_naming_each_partners_results(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        tiel = session.exec(select(Partner).where(Partner.key == "gemeente-tiel")).one()
        woonkracht = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        november = datetime(2026, 11, 10, 12, tzinfo=UTC)
        for text, partner, when in (
            ("Raadsinformatieavond | 30", tiel, november),
            ("Huurdersavond", woonkracht, november),
            # 23:30 on 31 October in Amsterdam: October's, not November's
            ("Oktober telt niet", woonkracht, datetime(2026, 10, 31, 22, 30, tzinfo=UTC)),
            # still 30 November in UTC, but 1 December in Amsterdam: next month's
            ("December telt niet", woonkracht, datetime(2026, 11, 30, 23, 30, tzinfo=UTC)),
        ):
            session.add(
                Harvest(
                    alliance_id=alliance.id or 0, partner_id=partner.id, text=text, created_at=when
                )
            )
    now = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # in the quiet hours in Amsterdam
    with session_scope(demo_engine) as session:
        planned = plan_together(session, get_alliance(session), now)
        assert plan_together(session, get_alliance(session), now) == 0
    with Session(demo_engine) as session:
        sent = session.exec(select(Delivery).where(Delivery.kind == "harvest")).all()
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
    assert planned == len(sent) > 3
    body = next(d.body for d in sent if d.person_id == anna.id)
    assert "november 2026" in body and "Gemeente Tiel" in body and "Woonkracht" in body
    assert "Huurdersavond" in body and "Raadsinformatieavond" in body
    assert "Oktober telt niet" not in body and "December telt niet" not in body
    assert all(d.due_at.astimezone(ZoneInfo("Europe/Amsterdam")).hour >= 8 for d in sent)
    with session_scope(demo_engine) as session:
        september = datetime(2026, 10, 6, 9, tzinfo=UTC)  # a month without harvest: silence
        assert plan_together(session, get_alliance(session), september) == 0


def test_the_form_takes_a_sentence_and_a_figure_apart(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        anna = _id(session, "anna")
        form = open_form(session, anna, "oogst nieuw", "slack")
        assert isinstance(form, Form) and [f.name for f in form.fields] == ["text", "figure"]
        empty = submit(session, Submission(anna, "harvest_new", {"text": " "}, "slack"))
        bad = submit(session, Submission(anna, "harvest_new", {"text": "x", "figure": "veel"}, "x"))
    assert set(empty.errors) == {"text"} and set(bad.errors) == {"figure"}
    assert _harvests(demo_engine) == []
    with session_scope(demo_engine) as session:
        values = {"text": "Artikel in de krant", "figure": "12000"}
        done = submit(session, Submission(anna, "harvest_new", values, "slack"))
    assert done.done is not None and not done.errors
    assert [(h.text, h.figure) for h in _harvests(demo_engine)] == [
        ("Artikel in de krant", 12000.0)
    ]


def test_in_slack_the_typed_command_answers_what_it_brought(demo_engine: Engine) -> None:
    """Slack brings commands, not plain messages: the question says what to type, and a
    typed `oogst nieuw` right after "done" is that agreement's harvest."""
    agreement_id = _agreement(demo_engine)
    with session_scope(demo_engine) as session:
        asked = press(session, _id(session, "anna"), f"ad:{agreement_id}", "slack")
    assert "/alliance oogst nieuw" in render_plain(asked)
    _say(demo_engine, "anna", "oogst nieuw Volle zaal | 120")
    _say(demo_engine, "anna", "oogst nieuw Los resultaat")
    assert [(h.text, h.figure, h.agreement_id) for h in _harvests(demo_engine)] == [
        ("Volle zaal", 120.0, agreement_id),
        ("Los resultaat", None, None),
    ]
