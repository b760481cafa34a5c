"""Planning unsolicited messages: once, in waking hours, within the weekly cap."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Alliance, Identity, Person
from bot.core.kernel.people import person_by_key
from bot.core.kernel.replies import plain_text
from bot.core.outbox.models import Delivery
from bot.core.outbox.planning import Plan, after_quiet_hours, mute, plan_delivery
from bot.core.outbox.queue import delivery_reply, readiness
from bot.db import session_scope

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def _plan(session: Session, key: str, person: str, due: datetime, **extra: object) -> Plan:
    alliance = get_alliance(session)
    who = person_by_key(session, alliance.id or 0, person)
    assert who is not None
    return Plan(
        dedupe_key=key, kind="reminder", body="<p>Hallo</p>", due_at=due, person=who, **extra
    )  # type: ignore[arg-type]


def _run(engine: Engine, key: str, person: str, due: datetime, **extra: object) -> str:
    with session_scope(engine) as session:
        result = plan_delivery(
            session, get_alliance(session), _plan(session, key, person, due, **extra)
        )
        return result.outcome


def _delivery(engine: Engine, key: str) -> Delivery:
    with Session(engine) as session:
        return session.exec(select(Delivery).where(Delivery.dedupe_key == key)).one()


def test_planning_the_same_key_twice_is_a_no_op(demo_engine: Engine) -> None:
    tuesday_noon = _local(2026, 11, 24, 12)
    assert _run(demo_engine, "pulse:1:gerda", "gerda", tuesday_noon) == "planned"
    assert (
        _run(demo_engine, "pulse:1:gerda", "gerda", tuesday_noon + timedelta(days=1)) == "duplicate"
    )
    with Session(demo_engine) as session:
        assert session.exec(select(func.count()).select_from(Delivery)).one() == 1
    assert _delivery(demo_engine, "pulse:1:gerda").due_at == tuesday_noon


def test_ambassadors_are_written_on_telegram_and_advisers_on_slack(demo_engine: Engine) -> None:
    noon = _local(2026, 11, 24, 12)
    _run(demo_engine, "a", "gerda", noon)
    _run(demo_engine, "b", "anna", noon)
    assert _delivery(demo_engine, "a").platform == "telegram"
    assert _delivery(demo_engine, "b").platform == "slack"


@pytest.mark.parametrize(
    ("planned", "expected"),
    [
        (_local(2026, 11, 24, 22, 30), _local(2026, 11, 25, 8)),  # evening: next morning
        (_local(2026, 11, 25, 3, 15), _local(2026, 11, 25, 8)),  # night: same morning
        (_local(2026, 11, 24, 20, 59), _local(2026, 11, 24, 20, 59)),  # just before: as is
        (_local(2026, 11, 25, 8), _local(2026, 11, 25, 8)),  # the first allowed minute
        (_local(2026, 3, 28, 23), _local(2026, 3, 29, 8)),  # over the switch to summer time
    ],
)
def test_quiet_hours_move_a_message_to_the_morning(
    demo_engine: Engine, planned: datetime, expected: datetime
) -> None:
    assert _run(demo_engine, "q", "gerda", planned) == "planned"
    assert _delivery(demo_engine, "q").due_at == expected


def test_quiet_hours_are_the_recipients_own(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        gerda.timezone = "America/New_York"
    # 15:00 in Amsterdam is 09:00 in New York: allowed there
    assert _run(demo_engine, "ny1", "gerda", _local(2026, 11, 24, 15)) == "planned"
    assert _delivery(demo_engine, "ny1").due_at == _local(2026, 11, 24, 15)
    # 13:00 in Amsterdam is 07:00 in New York: wait until 08:00 there
    _run(demo_engine, "ny2", "gerda", _local(2026, 11, 24, 13))
    expected = datetime(2026, 11, 24, 8, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
    assert _delivery(demo_engine, "ny2").due_at == expected


def test_urgent_messages_may_bypass_quiet_hours(demo_engine: Engine) -> None:
    night = _local(2026, 11, 24, 23)
    _run(demo_engine, "u", "gerda", night, urgent=True)
    assert _delivery(demo_engine, "u").due_at == night


def test_quiet_hours_configured_per_alliance() -> None:
    moment = _local(2026, 11, 24, 12, 30)
    assert after_quiet_hours(moment, AMSTERDAM, "12:00-13:00") == _local(2026, 11, 24, 13)
    assert after_quiet_hours(moment, AMSTERDAM, "00:00-00:00") == moment


def test_the_weekly_cap_moves_the_rest_to_next_week_and_says_so(demo_engine: Engine) -> None:
    tuesday = _local(2026, 11, 24, 10)
    outcomes = [_run(demo_engine, f"r{i}", "gerda", tuesday + timedelta(hours=i)) for i in range(5)]
    assert outcomes == ["planned"] * 5
    rows = [_delivery(demo_engine, f"r{i}") for i in range(5)]
    assert [r.held_back for r in rows] == [False, False, False, True, True]
    next_monday = _local(2026, 11, 30, 8)
    assert all(r.due_at == next_monday for r in rows[3:])
    with Session(demo_engine) as session:
        gerda = session.get(Person, rows[3].person_id)
        text = " ".join(
            plain_text(b.spans)
            for b in delivery_reply(session, rows[3], gerda).blocks
            if hasattr(b, "spans")
        )
    assert "hoogstens 3 berichten per week" in text


def test_the_cap_counts_per_person(demo_engine: Engine) -> None:
    tuesday = _local(2026, 11, 24, 10)
    for i in range(3):
        _run(demo_engine, f"g{i}", "gerda", tuesday)
    _run(demo_engine, "h0", "hasan", tuesday)
    assert not _delivery(demo_engine, "h0").held_back


def test_urgent_messages_do_not_count_against_the_cap(demo_engine: Engine) -> None:
    tuesday = _local(2026, 11, 24, 10)
    for i in range(3):
        _run(demo_engine, f"urgent{i}", "gerda", tuesday, urgent=True)
    _run(demo_engine, "normal", "gerda", tuesday)
    assert not _delivery(demo_engine, "normal").held_back


def test_mute_pauses_a_person_and_nothing_is_lost(demo_engine: Engine) -> None:
    now = _local(2026, 11, 24, 10)
    with session_scope(demo_engine) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        until = mute(gerda, 7, now)
    assert until == now + timedelta(days=7)
    assert _run(demo_engine, "m", "gerda", now) == "planned"
    assert _delivery(demo_engine, "m").due_at == until
    with session_scope(demo_engine) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        assert mute(gerda, 0, now) is None


def test_nothing_is_planned_to_someone_without_a_reachable_account(demo_engine: Engine) -> None:
    noon = _local(2026, 11, 24, 12)
    assert _run(demo_engine, "i", "ingrid", noon) == "unreachable"  # no account at all
    with session_scope(demo_engine) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        identity = session.exec(select(Identity).where(Identity.person_id == gerda.id)).one()
        identity.unreachable_since = noon
    assert _run(demo_engine, "g", "gerda", noon) == "unreachable"


def test_a_message_that_would_arrive_too_late_is_not_planned(demo_engine: Engine) -> None:
    evening = _local(2026, 11, 24, 22)
    outcome = _run(demo_engine, "late", "gerda", evening, expires_at=_local(2026, 11, 24, 23))
    assert outcome == "too_late"


def test_readiness_checks_the_rules_again_when_sending(demo_engine: Engine) -> None:
    noon = _local(2026, 11, 24, 12)
    _run(demo_engine, "later", "gerda", noon, expires_at=_local(2026, 11, 26, 12))
    with Session(demo_engine) as session:
        delivery = session.exec(select(Delivery).where(Delivery.dedupe_key == "later")).one()
        assert readiness(session, delivery, noon).decision == "send"
        at_night = readiness(session, delivery, _local(2026, 11, 24, 23))
        assert at_night.decision == "wait"
        assert at_night.until == _local(2026, 11, 25, 8)
        assert readiness(session, delivery, _local(2026, 11, 27, 9)).decision == "expired"


def test_planning_needs_a_person_or_a_channel(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        alliance: Alliance = get_alliance(session)
        plan = Plan("x", "digest", "<p>x</p>", _local(2026, 11, 24, 12))
        with pytest.raises(ValueError, match="person or a channel"):
            plan_delivery(session, alliance, plan)
