"""The clock: cadences from schedules/, each due moment run once, missed ones caught up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from bot.adapters.calendar_feed import job_edge
from bot.clock import Cadence, latest_due, load_cadences, make_trigger, schedule, tick
from bot.core.kernel.models import JobRun
from bot.core.outbox.models import Delivery
from bot.core.pulse.models import PulseRound
from bot.db import session_scope

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=AMSTERDAM).astimezone(UTC)


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


@pytest.mark.parametrize(
    ("cadence", "now", "expected"),
    [
        ("weekly", _local(24, 12), _local(23, 9, 30)),  # Monday 23 November, 09:30
        ("weekly", _local(23, 9, 29), _local(16, 9, 30)),
        ("monthly", _local(24, 12), _local(2, 9, 30)),  # the first Monday of November
        ("0 8 * * 1-5", _local(24, 12), _local(24, 8)),  # cron: weekdays 08:00
        ("0 8 * * 0", _local(24, 12), _local(22, 8)),  # cron: 0 is Sunday, as in crontab
    ],
)
def test_latest_due_moment(cadence: str, now: datetime, expected: datetime) -> None:
    trigger = make_trigger(cadence, "mon", "09:30", AMSTERDAM)
    assert latest_due(trigger, now, timedelta(days=40)) == expected


def test_biweekly_fires_every_other_week() -> None:
    trigger = make_trigger("biweekly", "mon", "09:30", AMSTERDAM)
    first = trigger.get_next_fire_time(None, _local(1, 0))
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1))
    assert second - first == timedelta(weeks=2)


def test_cadences_come_from_schedules_and_the_alliance_file(demo_engine: Engine) -> None:
    cadences = load_cadences(demo_engine)
    assert [c.job for c in cadences] == [
        "pulse_open",
        "checkins",
        "flags",
        "pulse_close",
        "agendas",
        "digest",
        "harvest",
        "inbox",
        "needs",
    ]
    assert cadences[0].grace == timedelta(hours=24)
    assert cadences[1].grace == timedelta(hours=20)


def test_an_unknown_job_in_a_schedule_is_refused(demo_engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "extra.toml").write_text('[jobs.send_fax]\ncadence = "weekly"\n')
    with pytest.raises(ValueError, match="send_fax"):
        load_cadences(demo_engine, tmp_path)


def test_a_due_moment_runs_once_however_often_the_clock_ticks(demo_engine: Engine) -> None:
    cadence = Cadence(
        "pulse_open", make_trigger("weekly", "mon", "09:30", AMSTERDAM), timedelta(hours=24)
    )
    monday = _local(23, 9, 30)
    assert tick(demo_engine, cadence, monday) is True
    assert tick(demo_engine, cadence, monday + timedelta(minutes=5)) is False
    assert tick(demo_engine, cadence, monday + timedelta(hours=3)) is False
    assert _count(demo_engine, JobRun) == 1
    assert _count(demo_engine, PulseRound) == 1
    planned = _count(demo_engine, Delivery)
    assert planned == 6 * 3  # six ambassadors on Telegram: an invitation and two reminders


def test_a_moment_missed_while_down_runs_once_within_grace(demo_engine: Engine) -> None:
    cadence = Cadence(
        "pulse_open", make_trigger("weekly", "mon", "09:30", AMSTERDAM), timedelta(hours=24)
    )
    back_up = _local(23, 20)  # the clock was down from Sunday until Monday evening
    assert tick(demo_engine, cadence, back_up) is True
    assert tick(demo_engine, cadence, back_up + timedelta(seconds=1)) is False
    with Session(demo_engine) as session:
        run = session.exec(select(JobRun)).one()
        assert run.due_at == _local(23, 9, 30)


def test_a_moment_missed_beyond_grace_does_not_run(demo_engine: Engine) -> None:
    cadence = Cadence(
        "pulse_open", make_trigger("weekly", "mon", "09:30", AMSTERDAM), timedelta(hours=24)
    )
    assert tick(demo_engine, cadence, _local(25, 12)) is False  # Wednesday: too late for Monday
    assert _count(demo_engine, PulseRound) == 0


def test_schedule_catches_up_at_start_and_registers_the_job(demo_engine: Engine) -> None:
    scheduler = BackgroundScheduler(timezone="UTC")
    cadence = Cadence(
        "pulse_open", make_trigger("0 * * * *", "mon", "09:30", AMSTERDAM), timedelta(hours=2)
    )
    schedule(scheduler, demo_engine, [cadence])
    assert _count(demo_engine, JobRun) == 1  # the hour that just began ran at start
    job = scheduler.get_job("pulse_open")
    assert job is not None and job.misfire_grace_time == 7200 and job.coalesce
    schedule(scheduler.__class__(timezone="UTC"), demo_engine, [cadence])  # a restart
    assert _count(demo_engine, JobRun) == 1


def test_two_clocks_racing_for_the_same_moment_run_it_once(demo_engine: Engine) -> None:
    from bot.core.jobs import run_due_job

    due = _local(23, 9, 30)
    with session_scope(demo_engine) as first, session_scope(demo_engine) as second:
        assert run_due_job(first, "pulse_open", due, due, job_edge()) is True
        first.commit()
        assert run_due_job(second, "pulse_open", due, due, job_edge()) is False
    assert _count(demo_engine, JobRun) == 1
