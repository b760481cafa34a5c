"""Buttons from any platform, on SQLite and PostgreSQL: a forged id is stale, never an
error, and a press someone may not make is refused (and marked so) without changing
anything."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Flag, Signal
from bot.core.dispatch import REGISTRY, command_from_text, handle, press
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.followup.models import Agreement, CheckIn
from bot.core.house.models import Endorsement, Proposal
from bot.core.kernel.actions import MAX_DATABASE_ID
from bot.core.kernel.models import Person
from bot.core.kernel.replies import Reply
from bot.core.pulse.models import PulseAnswer, PulseQuestion
from bot.db import session_scope
from bot.render.plain import render_plain

HUGE = "9" * 25  # far past any integer column; a valid action argument all the same


def _id(session: Session, key: str) -> int:
    return session.exec(select(Person).where(Person.key == key)).one().id or 0


def _press(engine: Engine, who: str, action: str) -> Reply:
    with session_scope(engine) as session:
        return press(session, _id(session, who), action, "console")


def _say(engine: Engine, who: str, text: str) -> str:
    with session_scope(engine) as session:
        return render_plain(handle(session, command_from_text(_id(session, who), text, "x")))


@pytest.mark.parametrize(
    "argument",
    [HUGE, str(2**63), str(2**63 - 1), str(MAX_DATABASE_ID + 1), str(MAX_DATABASE_ID), "0"],
)
def test_every_button_with_an_impossible_id_is_stale(demo_engine: Engine, argument: str) -> None:
    """SQLite raises OverflowError on ids past 63 bits and PostgreSQL a DataError past its
    32-bit id columns; every press handler turns its arguments into ids through one kernel
    helper first."""
    verbs = sorted(REGISTRY.verbs.values(), key=lambda b: b.verb.code)
    assert len(verbs) >= 11
    for button in verbs:
        args = [argument] * button.verb.arity
        if button.verb.code == "pa":
            args[1] = "3"  # a valid answer to a question that cannot exist
        if button.verb.code == "tf":
            args[1] = "u"
        action = ":".join((button.verb.code, *args))
        reply = _press(demo_engine, "anna", action)  # an adviser: no role stands in the way
        assert reply.stale and not reply.refused, action
        assert "Deze knop hoort bij iets dat niet meer open staat" in render_plain(reply)


@pytest.mark.parametrize(
    "action", ["pa:99999999999999999999999:1", "fk:123456789012345678901234567890"]
)
def test_the_forged_ids_of_the_issue_are_stale_for_anyone(demo_engine: Engine, action: str) -> None:
    for who in ("anna", "gerda", "petra"):
        assert _press(demo_engine, who, action).stale


def _agreement(engine: Engine) -> int:
    with session_scope(engine) as session:
        today = date.today()
        row = AgreementRow(
            "A1", "Twee sprekers", "woonkracht", None, today, today + timedelta(days=5), None
        )
        import_agreements(session, get_alliance(session), [row])
        return session.exec(select(Agreement)).one().id or 0


def test_someone_elses_agreement_is_refused(demo_engine: Engine) -> None:
    agreement_id = _agreement(demo_engine)
    reply = _press(demo_engine, "quinten", f"ad:{agreement_id}")  # gemeente-tiel's contact
    assert reply.refused and not reply.stale
    assert "hoort bij een andere organisatie" in render_plain(reply)
    with Session(demo_engine) as session:
        assert session.get(Agreement, agreement_id).status == "open"  # type: ignore[union-attr]
        assert session.exec(select(CheckIn)).all() == []
    assert not _press(demo_engine, "petra", f"ao:{agreement_id}").refused  # woonkracht's own


def test_a_flag_button_is_refused_for_anyone_but_an_adviser(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        flag = Flag(
            alliance_id=get_alliance(session).id or 0,
            family="follow_up",
            level="partner",
            key="woonkracht",
            kind="declining_follow_up",
            since=date.today(),
            last_seen=date.today(),
        )
        session.add(flag)
        session.flush()
        action = f"fk:{flag.id}"
    refused = _press(demo_engine, "gerda", action)
    assert refused.refused and "Alleen adviseurs" in render_plain(refused)
    with Session(demo_engine) as session:
        assert session.exec(select(Flag)).one().acknowledged_at is None
    assert not _press(demo_engine, "anna", action).refused


def test_a_signal_button_is_refused_for_anyone_but_an_adviser(demo_engine: Engine) -> None:
    _say(demo_engine, "gerda", "signaal De wijkverpleging stopt in Tiel")
    with Session(demo_engine) as session:
        signal_id = session.exec(select(Signal)).one().id
    refused = _press(demo_engine, "gerda", f"sa:{signal_id}")
    assert refused.refused and "Alleen adviseurs" in render_plain(refused)
    with Session(demo_engine) as session:
        assert session.exec(select(Signal)).one().status == "new"
    assert not _press(demo_engine, "anna", f"sa:{signal_id}").refused


def test_a_proposal_button_is_refused_for_who_cannot_answer_for_a_partner(
    demo_engine: Engine,
) -> None:
    _say(demo_engine, "bram", "voorstel reden: nieuwe cijfers // dak: Samen thuis, langer")
    with Session(demo_engine) as session:
        proposal_id = session.exec(select(Proposal)).one().id
    for who in ("gerda", "petra"):  # an ambassador, a partner contact
        reply = _press(demo_engine, who, f"he:{proposal_id}")
        assert reply.refused and not reply.stale, who
        assert "Alleen adviseurs" in render_plain(reply)
    with Session(demo_engine) as session:
        assert session.exec(select(Endorsement)).all() == []
    assert not _press(demo_engine, "anna", f"he:{proposal_id}").refused


def test_a_pulse_button_is_refused_outside_the_rounds_audience(demo_engine: Engine) -> None:
    _say(demo_engine, "anna", "peiling open")  # asks the ambassadors
    with Session(demo_engine) as session:
        question = session.exec(select(PulseQuestion).where(PulseQuestion.kind == "scale")).first()
        assert question is not None
    for action in (f"pa:{question.id}:4", f"pc:{question.round_id}"):
        reply = _press(demo_engine, "anna", action)
        assert reply.refused and "regionale ambassadeurs" in render_plain(reply), action
    with Session(demo_engine) as session:
        assert session.exec(select(PulseAnswer)).all() == []
    assert not _press(demo_engine, "gerda", f"pa:{question.id}:4").refused
