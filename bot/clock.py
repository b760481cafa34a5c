"""`alliancebot clock`: APScheduler 3 runs the cadences; the ledger makes each moment once.

APScheduler decides *when*; `bot.core.jobs.run_due_job` decides *whether*, by the due moment,
so a restart, an overlapping second clock or a missed moment within the grace period never
runs a job twice, and a moment missed while the clock was down runs once when it returns.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from bot.adapters.calendar_feed import job_edge
from bot.core.alliance import get_alliance
from bot.core.jobs import CADENCE_OVERRIDES, JOBS, JobEdge, run_due_job
from bot.core.kernel import utcnow
from bot.db import session_scope
from bot.paths import data_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cadence:
    """When a job runs. `text` and `at` are for people (`alliancebot jobs list`) and for
    running a job by hand as of a day: how schedules/ say it, and its time of day in the
    alliance's zone (the first one, for a job that runs several times a day)."""

    job: str
    trigger: BaseTrigger
    grace: timedelta
    text: str = ""
    at: time = time(0, 0)

    def moment_on(self, day: date, zone: ZoneInfo) -> datetime:
        """The moment this job runs on `day`, as the clock would run it."""
        return datetime.combine(day, self.at, tzinfo=zone)


def make_trigger(cadence: str, weekday: str, at: str, zone: ZoneInfo) -> BaseTrigger:
    """weekly / biweekly (even ISO weeks) / monthly (first `weekday`) / a cron expression."""
    hour, minute = (int(part) for part in at.split(":"))
    if cadence == "weekly":
        return CronTrigger(day_of_week=weekday, hour=hour, minute=minute, timezone=zone)
    if cadence == "biweekly":
        return CronTrigger(week="*/2", day_of_week=weekday, hour=hour, minute=minute, timezone=zone)
    if cadence == "monthly":
        return CronTrigger(day=f"1st {weekday}", hour=hour, minute=minute, timezone=zone)
    return CronTrigger.from_crontab(_cron_weekday_names(cadence), timezone=zone)


def time_of_day(cadence: str, at: str) -> time:
    """A named cadence runs at `at`; a cron expression first fires at its minute and hour
    fields (whatever the day fields say)."""
    if cadence in ("weekly", "biweekly", "monthly"):
        hour, minute = (int(part) for part in at.split(":"))
        return time(hour, minute)
    minutes, hours = cadence.split()[:2]
    daily = CronTrigger.from_crontab(f"{minutes} {hours} * * *", timezone="UTC")
    start = datetime(2000, 1, 1, tzinfo=ZoneInfo("UTC"))
    first: datetime = daily.get_next_fire_time(None, start)
    return first.time()


def describe(cadence: str, weekday: str, at: str) -> str:
    """The cadence as an operator wrote it, with the day and time a named one implies."""
    if cadence in ("weekly", "biweekly"):
        return f"{cadence} {weekday} {at}"
    if cadence == "monthly":
        return f"monthly, first {weekday} {at}"
    return cadence


_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _cron_weekday_names(expression: str) -> str:
    """Cron counts weekdays from Sunday = 0; APScheduler from Monday = 0. Names agree."""
    fields = expression.split()
    fields[4] = re.sub(r"(?<!/)\b\d+\b", lambda m: _WEEKDAYS[int(m.group())], fields[4])
    return " ".join(fields)


def load_cadences(engine: Engine, directory: Path | None = None) -> list[Cadence]:
    """The jobs in `schedules/*.toml`, with the alliance's own cadence where it has one."""
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        zone = ZoneInfo(alliance.timezone)
        overrides = {job: pick(alliance) for job, pick in CADENCE_OVERRIDES.items()}
    cadences: list[Cadence] = []
    for path in sorted((directory or data_dir("schedules")).glob("*.toml")):
        for job, spec in tomllib.loads(path.read_text(encoding="utf-8")).get("jobs", {}).items():
            if job not in JOBS:
                raise ValueError(f"{path.name}: jobs.{job}: no such job (known: {sorted(JOBS)})")
            cadences.append(_cadence(job, spec, overrides.get(job), zone))
    return cadences


def _cadence(job: str, spec: dict[str, Any], override: str | None, zone: ZoneInfo) -> Cadence:
    cadence = override or spec.get("cadence", "weekly")
    weekday, at = spec.get("weekday", "mon"), spec.get("time", "09:00")
    return Cadence(
        job,
        make_trigger(cadence, weekday, at, zone),
        timedelta(hours=spec.get("grace_hours", 24)),
        text=describe(cadence, weekday, at),
        at=time_of_day(cadence, at),
    )


def latest_due(trigger: BaseTrigger, now: datetime, grace: timedelta) -> datetime | None:
    """The last moment the trigger fired at or before `now`, if within the grace period."""
    moment = trigger.get_next_fire_time(None, now - grace)
    latest = None
    while moment is not None and moment <= now:
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return latest


def tick(
    engine: Engine, cadence: Cadence, now: datetime | None = None, edge: JobEdge | None = None
) -> bool:
    """Run the job for its latest due moment, unless that moment already ran."""
    now = now or utcnow()
    due = latest_due(cadence.trigger, now, cadence.grace)
    if due is None:
        return False
    with session_scope(engine) as session:
        ran = run_due_job(session, cadence.job, due.astimezone(now.tzinfo), now, edge or job_edge())
    if ran:
        log.info("ran %s for %s", cadence.job, due.isoformat())
    return ran


def schedule(
    scheduler: BaseScheduler,
    engine: Engine,
    cadences: list[Cadence],
    edge: JobEdge | None = None,
) -> None:
    edge = edge or job_edge()
    for cadence in cadences:
        tick(engine, cadence, edge=edge)  # a moment missed while we were down runs now, once
        scheduler.add_job(
            tick,
            cadence.trigger,
            args=(engine, cadence, None, edge),
            id=cadence.job,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(cadence.grace.total_seconds()),
        )


def run_clock(engine: Engine) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    schedule(scheduler, engine, load_cadences(engine))
    scheduler.start()


def start_background_clock(engine: Engine) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    schedule(scheduler, engine, load_cadences(engine))
    scheduler.start()
    return scheduler
