"""Moving and letting go in the conversation: typed, with buttons, and in a Slack modal."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import open_form, press, submit
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.followup.models import Agreement, AgreementChange
from bot.core.kernel.forms import Form, Submission
from bot.core.kernel.models import Person
from bot.core.kernel.replies import Reply
from bot.db import session_scope
from bot.render.plain import render_plain
from tests.fakes.conversation import message as _message
from tests.fakes.conversation import person_id as _id
from tests.fakes.conversation import press_as as _press
from tests.fakes.conversation import say as _say

DUE = date(2026, 11, 20)


def _setup(engine: Engine) -> int:
    row = AgreementRow("A1", "Twee sprekers", "woonkracht", None, date(2026, 10, 1), DUE, None)
    with session_scope(engine) as session:
        import_agreements(session, get_alliance(session), [row])
        return session.exec(select(Agreement)).one().id or 0


def _agreement(engine: Engine) -> Agreement:
    with Session(engine) as session:
        return session.exec(select(Agreement)).one()


def test_the_move_button_asks_date_and_reason_and_a_bad_date_asks_again(
    demo_engine: Engine,
) -> None:
    agreement_id = _setup(demo_engine)
    shown = _say(demo_engine, "anna", "afspraak a1")
    actions = [b.action for b in shown.buttons]
    assert f"amv:{agreement_id}" in actions and f"adr:{agreement_id}" in actions
    assert "Twee sprekers" in render_plain(shown)
    asked = _press(demo_engine, "anna", f"amv:{agreement_id}")
    assert "Naar welke datum" in render_plain(asked)
    again = _message(demo_engine, "anna", "volgende maand")
    assert "geen datum" in render_plain(again)
    assert _agreement(demo_engine).due_on == DUE
    moved = _message(demo_engine, "anna", "2026-12-20 de raad vergadert later")
    assert "20 december 2026" in render_plain(moved)
    assert _agreement(demo_engine).due_on == date(2026, 12, 20)
    undo = next(b.action for b in moved.buttons if b.action.startswith("aun:"))
    assert "20 november 2026" in render_plain(_press(demo_engine, "anna", undo))
    assert _agreement(demo_engine).due_on == DUE
    assert _press(demo_engine, "anna", undo).stale  # undone once; a second tap does nothing
    detail = render_plain(_say(demo_engine, "anna", "afspraak A1"))
    assert "de raad vergadert later" in detail and "teruggedraaid" in detail


def test_letting_go_by_button_and_stop_leaves_it_alone(demo_engine: Engine) -> None:
    agreement_id = _setup(demo_engine)
    _press(demo_engine, "anna", f"adr:{agreement_id}")
    assert "blijft" in render_plain(_message(demo_engine, "anna", "stop"))
    assert _agreement(demo_engine).status == "open"
    _press(demo_engine, "anna", f"adr:{agreement_id}")
    dropped = _message(demo_engine, "anna", "Lokaal is iets anders nodig")
    assert "losgelaten" in render_plain(dropped)
    assert _agreement(demo_engine).status == "dropped"
    assert _press(demo_engine, "anna", f"amv:{agreement_id}").stale  # nothing left to move
    assert "losgelaten" not in render_plain(_say(demo_engine, "anna", "afspraken"))


def test_typed_changes_in_english_and_their_errors(demo_engine: Engine) -> None:
    _setup(demo_engine)
    assert "YYYY-MM-DD" in render_plain(_say(demo_engine, "anna", "agreements move"))
    unknown = _say(demo_engine, "anna", "agreements move X9 2026-12-01 later")
    assert "ken geen afspraak 'X9'" in render_plain(unknown)
    assert "waarom" in render_plain(_say(demo_engine, "anna", "agreements drop A1"))
    moved = _say(demo_engine, "anna", "agreements move A1 2026-12-01 board later")
    assert "1 december 2026" in render_plain(moved)
    gerda = _say(demo_engine, "gerda", "afspraken loslaten A1 weg ermee")  # an ambassador
    assert gerda.refused and _agreement(demo_engine).status == "open"
    with Session(demo_engine) as session:
        assert [c.reason for c in session.exec(select(AgreementChange))] == ["board later"]


def test_the_modal_moves_and_keeps_problems_on_their_fields(demo_engine: Engine) -> None:
    _setup(demo_engine)
    with session_scope(demo_engine) as session:
        anna = _id(session, "anna")
        form = open_form(session, anna, "agreements move", "slack")
        ambassador = open_form(session, _id(session, "gerda"), "afspraken loslaten", "slack")
    assert isinstance(form, Form)
    assert [f.name for f in form.fields] == ["agreement", "due", "reason"]
    assert [c.value for c in form.fields[0].choices] == ["A1"]
    assert isinstance(ambassador, Reply)  # nothing of theirs to let go
    values = {"agreement": "A1", "due": "2026-12-20", "reason": ""}
    with session_scope(demo_engine) as session:
        problem = submit(session, Submission(anna, "agreement_move", values, "slack"))
        bad_date = submit(session, Submission(anna, "agreement_move", {**values, "due": ""}, "x"))
    assert set(problem.errors) == {"reason"} and set(bad_date.errors) == {"due"}
    assert _agreement(demo_engine).due_on == DUE
    with session_scope(demo_engine) as session:
        done = submit(
            session, Submission(anna, "agreement_drop", {**values, "reason": "anders"}, "slack")
        )
    assert not done.errors and done.done is not None
    assert _agreement(demo_engine).status == "dropped"


def test_in_slack_the_buttons_say_what_to_type(demo_engine: Engine) -> None:
    agreement_id = _setup(demo_engine)
    with session_scope(demo_engine) as session:
        anna = _id(session, "anna")
        move = render_plain(press(session, anna, f"amv:{agreement_id}", "slack"))
        drop = render_plain(press(session, anna, f"adr:{agreement_id}", "slack"))
    assert "/alliance afspraken verzet A1 2026-12-20" in move
    assert "/alliance afspraken loslaten A1" in drop


def test_a_question_another_try_cannot_fix_stops_waiting(demo_engine: Engine) -> None:
    """Anna presses move; meanwhile Bram lets the agreement go: her date is refused once,
    and her next message is no longer taken for a date."""
    agreement_id = _setup(demo_engine)
    _press(demo_engine, "anna", f"amv:{agreement_id}")
    _say(demo_engine, "bram", "afspraken loslaten A1 past niet meer")
    assert "al losgelaten" in render_plain(_message(demo_engine, "anna", "2026-12-20 later"))
    assert "al losgelaten" not in render_plain(_message(demo_engine, "anna", "2026-12-21 nu"))
    with Session(demo_engine) as session:
        assert session.exec(select(Person.awaiting).where(Person.key == "anna")).one() is None
