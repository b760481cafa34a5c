"""Pulse rounds in the core: opening, questions, audience, buttons, the close job, flags."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, func, select

from bot.adapters.calendar_feed import job_edge
from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Flag, Signal
from bot.core.dispatch import find_command, handle, press
from bot.core.jobs import run_due_job
from bot.core.kernel.commands import Command
from bot.core.kernel.models import Alliance, JobRun, Person
from bot.core.kernel.replies import Reply, plain_text
from bot.core.outbox.models import Delivery
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound
from bot.core.pulse.questions import bank, bank_question_for
from bot.core.pulse.report import close_round, refresh_pulse_flags
from bot.core.pulse.rounds import open_round, questions_of, record_answer, scale_questions
from bot.db import session_scope

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY_NOON = datetime(2030, 3, 4, 12, 0, tzinfo=AMSTERDAM)
AMBASSADORS = {"gerda", "hasan", "ingrid", "joost", "karin", "lotte", "mohamed", "nienke", "otto"}
WITH_TELEGRAM = {"gerda", "hasan", "joost", "lotte", "mohamed", "otto"}  # in the demo file
STALE = "Deze knop hoort bij iets dat niet meer open staat"
NOT_INVITED = "Deze peiling is voor de regionale ambassadeurs"


def aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def person(session: Session, key: str) -> Person:
    return session.exec(select(Person).where(Person.key == key)).one()


def text_of(reply: Reply) -> str:
    return " ".join(plain_text(b.spans) for b in reply.blocks if hasattr(b, "spans"))


def count(session: Session, model: type[PulseAnswer] | type[Delivery] | type[Flag]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def keys_of(session: Session, pulse_round: PulseRound) -> list[str]:
    return [q.key for q in questions_of(session, pulse_round)]


# --- opening --------------------------------------------------------------------------------


def test_opening_twice_invites_nobody_twice(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        first = open_round(session, get_alliance(session), MONDAY_NOON)
    assert (first.created, first.invited, first.unreachable, first.waiting) == (True, 6, 3, 0)
    with Session(demo_engine) as session:
        planned = count(session, Delivery)
    assert planned == 6 * 3, "an invitation and two reminders per reachable ambassador"
    with session_scope(demo_engine) as session:
        second = open_round(session, get_alliance(session), MONDAY_NOON + timedelta(hours=3))
    assert (second.created, second.invited, second.unreachable) == (False, 0, 3)
    assert second.round.id == first.round.id
    with Session(demo_engine) as session:
        assert count(session, Delivery) == planned
        assert session.exec(select(func.count()).select_from(PulseRound)).one() == 1
        round_ = session.get(PulseRound, first.round.id)
        assert round_ is not None
        assert aware(round_.opened_at) == MONDAY_NOON, "opening again keeps the first moment"
        assert aware(round_.closes_at or MONDAY_NOON) == MONDAY_NOON + timedelta(days=5)


def test_a_round_asks_energy_trust_one_bank_statement_and_an_open_question(
    demo_engine: Engine,
) -> None:
    assert len({q.lens for q in bank()}) >= 5, "the bank holds every lens"
    seen = []
    for number in range(3):
        moment = MONDAY_NOON + timedelta(days=14 * number)
        with session_scope(demo_engine) as session:
            alliance = get_alliance(session)
            opened = open_round(session, alliance, moment, open_question=number != 2)
            keys = keys_of(session, opened.round)
            kinds = [q.kind for q in questions_of(session, opened.round)]
            close_round(session, alliance, moment + timedelta(days=5))
        seen.append(keys[2])
        expected = ["energy", "trust", bank_question_for(number).key]
        if number != 2:
            assert keys == [*expected, "open"]
            assert kinds == ["scale", "scale", "scale", "open"]
        else:
            assert keys == expected, "the open question is optional"
    assert seen == [q.key for q in bank()[:3]], "the bank question rotates, round by round"
    assert len(set(seen)) == 3
    assert len({bank_question_for(n).lens for n in range(3)}) == 3, "a different lens each time"


def test_only_ambassadors_are_invited(demo_engine: Engine) -> None:
    from bot.core.pulse.rounds import audience

    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        opened = open_round(session, alliance, MONDAY_NOON)
        assert {p.key for p in audience(session, alliance, opened.round)} == AMBASSADORS
    with Session(demo_engine) as session:
        invited = session.exec(
            select(Person.key)
            .join(Delivery, col(Delivery.person_id) == col(Person.id))
            .where(col(Delivery.dedupe_key).startswith("pulse:"))
        ).all()
    assert sorted(invited) == sorted(WITH_TELEGRAM)


def test_reminders_keep_out_of_the_quiet_hours(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        alliance.quiet_hours = "21:00-11:00"  # 10:00, the reminders' hour, is quiet now
        opened = open_round(session, alliance, MONDAY_NOON)
    with Session(demo_engine) as session:
        rows = session.exec(select(Delivery).where(col(Delivery.person_id).is_not(None))).all()
    reminders = [d for d in rows if d.dedupe_key.startswith(f"pulse-reminder:{opened.round.id}:")]
    assert len(reminders) == 12
    for reminder in reminders:
        number = int(reminder.dedupe_key.rsplit(":", 1)[1])
        due = aware(reminder.due_at).astimezone(AMSTERDAM)
        assert due == (MONDAY_NOON + timedelta(days=2 * number)).replace(hour=11), due
    invitations = [d for d in rows if d.dedupe_key.startswith("pulse:")]
    assert {aware(d.due_at) for d in invitations} == {MONDAY_NOON}


# --- answering ------------------------------------------------------------------------------


def test_answering_moves_on_and_changing_keeps_one_row(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        opened = open_round(session, alliance, MONDAY_NOON)
        gerda = person(session, "gerda")
        energy, trust, statement = scale_questions(session, opened.round)
        moment = MONDAY_NOON + timedelta(hours=1)
        first = record_answer(session, energy, gerda, 4, moment)
        assert (first.next_question, first.number, first.total, first.complete) == (
            trust,
            2,
            3,
            False,
        )
        record_answer(session, trust, gerda, 2, moment)
        done = record_answer(session, statement, gerda, 5, moment)
        assert (done.next_question, done.complete) == (None, True)
        changed = record_answer(session, energy, gerda, 1, moment + timedelta(hours=1))
        assert (changed.next_question, changed.complete) == (None, True)
        round_id, gerda_id = opened.round.id, gerda.id
    with Session(demo_engine) as session:
        rows = session.exec(
            select(PulseAnswer.question_id, PulseAnswer.value).where(
                PulseAnswer.person_id == gerda_id
            )
        ).all()
        assert sorted(rows) == sorted([(energy.id, 1), (trust.id, 2), (statement.id, 5)])
        reminders = session.exec(
            select(Delivery.status).where(
                col(Delivery.dedupe_key).startswith(f"pulse-reminder:{round_id}:{gerda_id}:")
            )
        ).all()
        assert reminders == ["cancelled", "cancelled"]
        others = session.exec(
            select(Delivery.status).where(
                col(Delivery.dedupe_key).startswith(f"pulse-reminder:{round_id}:"),
                col(Delivery.dedupe_key).not_like(f"pulse-reminder:{round_id}:{gerda_id}:%"),
            )
        ).all()
        assert others == ["pending"] * 10


def test_forged_unknown_or_out_of_range_buttons_are_stale(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        old = open_round(session, alliance, datetime.now(UTC) - timedelta(days=20))
        old_energy = scale_questions(session, old.round)[0].id
        close_round(session, alliance, datetime.now(UTC) - timedelta(days=15))
        opened = open_round(session, alliance)  # now: presses are checked against the clock
        energy = scale_questions(session, opened.round)[0].id
        open_question = questions_of(session, opened.round)[-1]
        assert open_question.kind == "open"
        gerda_id = person(session, "gerda").id or 0
        round_id = opened.round.id
    forged = [
        f"pa:{(open_question.id or 0) + 1000}:3",  # no such question
        f"pa:{energy}:0",
        f"pa:{energy}:6",
        f"pa:{energy}:35",
        f"pa:{energy}:x",
        f"pa:{open_question.id}:3",  # the open question has no scale
        f"pa:{old_energy}:3",  # a closed round
        f"pa:{energy}",
        f"pa:{energy}:3:3",
        "pa:abc:3",
        f"pc:{(round_id or 0) + 99}",
        f"pc:{old.round.id}",
        "pc:x",
    ]
    for data in forged:
        with session_scope(demo_engine) as session:
            reply = press(session, gerda_id, data, "telegram")
        assert reply.stale, data
        assert STALE in text_of(reply), data
    with Session(demo_engine) as session:
        assert count(session, PulseAnswer) == 0
    with session_scope(demo_engine) as session:  # the right button still works
        reply = press(session, gerda_id, f"pa:{energy}:3", "telegram")
    assert not reply.stale and "2/3" in text_of(reply)
    with Session(demo_engine) as session:
        assert session.exec(select(PulseAnswer.value)).all() == [3]


def test_an_adviser_is_not_invited_and_stores_nothing(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        opened = open_round(session, get_alliance(session))
        energy = scale_questions(session, opened.round)[0].id
        anna = person(session, "anna").id or 0
    for data in (f"pa:{energy}:4", f"pc:{opened.round.id}"):
        with session_scope(demo_engine) as session:
            reply = press(session, anna, data, "slack")
        assert not reply.stale
        assert NOT_INVITED in text_of(reply)
    with session_scope(demo_engine) as session:
        spec = find_command("peiling")
        reply = handle(session, Command(anna, spec, "peiling", "", "slack"))
    # the command is no dead end for an adviser: it tells how far the round got
    assert "jij wordt niet gevraagd zelf te antwoorden" in text_of(reply)
    assert "Tot nu toe geantwoord: 0 van de" in text_of(reply)
    with Session(demo_engine) as session:
        assert count(session, PulseAnswer) == 0
        assert person(session, "anna").awaiting is None


# --- closing --------------------------------------------------------------------------------


def test_the_close_job_closes_only_after_the_deadline(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        opened = open_round(session, get_alliance(session), MONDAY_NOON)
        closes_at = aware(opened.round.closes_at or MONDAY_NOON)
        round_id = opened.round.id
    assert closes_at == MONDAY_NOON + timedelta(days=5)
    for moment in (MONDAY_NOON + timedelta(days=1), closes_at - timedelta(minutes=1)):
        with session_scope(demo_engine) as session:
            assert run_due_job(session, "pulse_close", moment, moment, job_edge()) is True
        with Session(demo_engine) as session:
            round_ = session.get(PulseRound, round_id)
            assert round_ is not None and round_.closed_at is None, moment
    after = closes_at + timedelta(minutes=30)
    with session_scope(demo_engine) as session:
        assert run_due_job(session, "pulse_close", after, after, job_edge()) is True
    with session_scope(demo_engine) as session:
        assert run_due_job(session, "pulse_close", after, after, job_edge()) is False, (
            "once per moment"
        )
    with Session(demo_engine) as session:
        round_ = session.get(PulseRound, round_id)
        assert round_ is not None and aware(round_.closed_at or MONDAY_NOON) == after
        details = session.exec(
            select(JobRun.detail).where(JobRun.job == "pulse_close").order_by(col(JobRun.due_at))
        ).all()
        assert details == [{"closed": None}, {"closed": None}, {"closed": round_id}]
        pending = session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(
                col(Delivery.dedupe_key).startswith(f"pulse-reminder:{round_id}:"),
                Delivery.status == "pending",
            )
        ).one()
        assert pending == 0, "closing cancels the reminders"


# --- flags ----------------------------------------------------------------------------------

# Energy per ambassador: steady at 4, except in the region Bommelerwaard, which falls from
# 5, 4, 4 to 3, 3, 3 in the last rounds (alliance and partners move less than 0.5).
HIGH = {"mohamed": 5, "nienke": 4, "otto": 4}
PLANTED = 10  # closed rounds written directly; the last of them is the first low one


def _energy(key: str, low: bool) -> int:
    if key in HIGH:
        return 3 if low else HIGH[key]
    return 4


def _plant_round(session: Session, alliance: Alliance, opened: datetime, low: bool) -> None:
    pulse_round = PulseRound(
        alliance_id=alliance.id or 0,
        opened_at=opened,
        closes_at=opened + timedelta(days=5),
        closed_at=opened + timedelta(days=5),
    )
    session.add(pulse_round)
    session.flush()
    questions = {}
    for position, key in enumerate(("energy", "trust")):
        questions[key] = PulseQuestion(round_id=pulse_round.id or 0, position=position, key=key)
        session.add(questions[key])
    session.flush()
    for key in AMBASSADORS:
        who = person(session, key)
        for question, value in ((questions["energy"], _energy(key, low)), (questions["trust"], 4)):
            session.add(
                PulseAnswer(
                    question_id=question.id or 0,
                    person_id=who.id or 0,
                    region_id=who.region_id,
                    partner_id=who.partner_id,
                    value=value,
                    answered_at=opened + timedelta(days=1),
                )
            )


def test_a_planted_decline_raises_one_pulse_flag_once(demo_engine: Engine) -> None:
    start = datetime(2029, 9, 3, 9, 0, tzinfo=UTC)
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        for index in range(PLANTED):
            _plant_round(session, alliance, start + timedelta(days=14 * index), index >= 9)
        # one low round is a mood, not a trend
        assert refresh_pulse_flags(session, alliance, start + timedelta(days=14 * 9 + 6)) == []
    last = start + timedelta(days=14 * PLANTED)
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        opened = open_round(session, alliance, last)
        energy, trust, _statement = scale_questions(session, opened.round)
        for key in AMBASSADORS:
            who = person(session, key)
            record_answer(session, energy, who, _energy(key, True), last + timedelta(hours=2))
            record_answer(session, trust, who, 4, last + timedelta(hours=2))
        close_round(session, alliance, last + timedelta(days=5))
    with Session(demo_engine) as session:
        flags = session.exec(select(Flag)).all()
        assert [(f.family, f.level, f.key, f.kind) for f in flags] == [
            ("energy", "region", "bommel", "energy_drop")
        ]
        flag = flags[0]
        assert flag.since == (start + timedelta(days=14 * 9)).date()
        assert flag.detail["numbers"]["before"] == 4.3
        assert flag.detail["numbers"]["after"] == 3.0
        notices = session.exec(select(Delivery).where(Delivery.kind == "flag")).all()
        assert [(d.dedupe_key, d.channel, d.person_id) for d in notices] == [
            (f"flag:{flag.id}", "C0ADVISERS", None)
        ]
        assert "Bommelerwaard" in notices[0].body
        assert "4,3" in notices[0].body and "3,0" in notices[0].body  # Dutch decimal commas
    # told once: looking again finds the same episode and plans nothing new
    for days in (6, 7):
        with session_scope(demo_engine) as session:
            alliance = get_alliance(session)
            assert refresh_pulse_flags(session, alliance, last + timedelta(days=days)) == []
    with Session(demo_engine) as session:
        assert count(session, Flag) == 1
        assert len(session.exec(select(Delivery).where(Delivery.kind == "flag")).all()) == 1
        assert not session.exec(select(Flag).where(Flag.family == "trust")).all()


def test_closing_with_too_few_respondents_shows_nothing(demo_engine: Engine) -> None:
    """Two respondents out of nine: the round closes, but no group (not even the alliance)."""
    from bot.core.pulse.report import closed_rounds, round_results

    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        assert alliance.min_group_size == 3
        opened = open_round(session, alliance, MONDAY_NOON)
        energy, trust, _ = scale_questions(session, opened.round)
        for key in ("gerda", "hasan"):
            who = person(session, key)
            record_answer(session, energy, who, 5, MONDAY_NOON)
            record_answer(session, trust, who, 5, MONDAY_NOON)
        close_round(session, alliance, MONDAY_NOON + timedelta(days=1))
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        (result,) = round_results(session, alliance, closed_rounds(session, alliance))
        assert result.groups == ()
        heard = session.exec(
            select(Delivery.body).where(col(Delivery.dedupe_key).startswith("pulse-heard:"))
        ).all()
    assert len(heard) == 2
    assert all("te weinig mensen" in body for body in heard)
    assert not any("5.0" in body or "5,0" in body for body in heard)


def test_the_pulse_command_picks_up_where_the_person_left_off(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        opened = open_round(session, get_alliance(session))
        energy = scale_questions(session, opened.round)[0]
        gerda = person(session, "gerda")
        gerda_id = gerda.id or 0
        first = text_of(handle(session, Command(gerda_id, find_command("peiling"), "", "", "x")))
        assert "1/3" in first and "Hoeveel energie" in first
        record_answer(session, energy, gerda, 2, datetime.now(UTC))
    with session_scope(demo_engine) as session:
        reply = handle(session, Command(gerda_id, find_command("pulse"), "", "", "telegram"))
    assert "2/3" in text_of(reply) and "vertrouwen" in text_of(reply)
    assert [b.label for b in reply.buttons] == ["1", "2", "3", "4", "5"]


def test_the_closing_date_is_told_in_the_persons_time_zone(demo_engine: Engine) -> None:
    opened_at = datetime(2030, 3, 4, 2, 0, tzinfo=UTC)  # 3 March, 21:00 in New York
    with session_scope(demo_engine) as session:
        otto = person(session, "otto")  # reads English
        otto.timezone = "America/New_York"
        otto_id = otto.id
        opened = open_round(session, get_alliance(session), opened_at)
        closes_at = aware(opened.round.closes_at or opened_at)
    local_close = closes_at.astimezone(ZoneInfo("America/New_York"))
    assert (local_close.day, local_close.hour) == (8, 21)
    with Session(demo_engine) as session:
        bodies = session.exec(select(Delivery.body).where(Delivery.person_id == otto_id)).all()
    assert len(bodies) == 3  # the invitation and two reminders
    for body in bodies:
        assert "8 March 2030" in body
        assert "9 March 2030" not in body


@pytest.mark.parametrize(("min_group_size", "named"), [(3, True), (4, False)])
def test_an_open_answer_names_its_region_only_where_that_does_not_name_the_writer(
    demo_engine: Engine, min_group_size: int, named: bool
) -> None:
    """Three ambassadors are asked in Gerda's region: with groups of three shown, her
    region goes with her anonymous answer; with four, it would point at her, so it does not."""
    from bot.core.dispatch import command_from_text, plain_message

    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        alliance.min_group_size = min_group_size
        opened = open_round(session, alliance, MONDAY_NOON)
        gerda = person(session, "gerda")
        region_id = gerda.region_id
        for question, value in zip(scale_questions(session, opened.round), (4, 3, 5), strict=True):
            record_answer(session, question, gerda, value, MONDAY_NOON)
        gerda_id = gerda.id or 0
    with session_scope(demo_engine) as session:
        handle(session, command_from_text(gerda_id, "/peiling", "telegram"))
    with session_scope(demo_engine) as session:
        handle(session, plain_message(gerda_id, "De wethouder is vertrokken", "telegram"))
    with Session(demo_engine) as session:
        signal = session.exec(select(Signal)).one()
    assert signal.anonymous and signal.text == "De wethouder is vertrokken"
    assert signal.region_id == (region_id if named else None)


def test_an_open_answer_after_the_round_closed_is_handed_back_not_kept(
    demo_engine: Engine,
) -> None:
    """Gerda finishes the scale questions, the round closes before she types the open
    answer: it is not added to the closed round nor passed on, and she is told so, with
    her own words and how to send them as a signal instead."""
    from bot.core.dispatch import command_from_text, plain_message
    from bot.render.plain import render_plain

    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        opened = open_round(session, alliance, MONDAY_NOON)
        gerda = person(session, "gerda")
        for question, value in zip(scale_questions(session, opened.round), (4, 3, 5), strict=True):
            record_answer(session, question, gerda, value, MONDAY_NOON)
        gerda_id = gerda.id or 0
    with session_scope(demo_engine) as session:
        handle(session, command_from_text(gerda_id, "/peiling", "telegram"))
    assert person_awaits(demo_engine, "gerda")  # the thanks asked the open question
    with session_scope(demo_engine) as session:
        assert close_round(session, get_alliance(session)) is not None
    with session_scope(demo_engine) as session:
        late = handle(session, plain_message(gerda_id, "De wethouder is vertrokken", "telegram"))
    text = render_plain(late)
    assert "De peiling was al gesloten toen je antwoord binnenkwam" in text
    assert "De wethouder is vertrokken" in text  # handed back, so nothing is lost
    assert "/signaal anoniem" in text
    with Session(demo_engine) as session:
        assert session.exec(select(Signal)).all() == []
        assert [a for a in session.exec(select(PulseAnswer)) if a.text] == []
    assert not person_awaits(demo_engine, "gerda")


def person_awaits(engine: Engine, key: str) -> bool:
    with Session(engine) as session:
        return person(session, key).awaiting is not None
