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
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from bot.core.alliance import get_alliance
from bot.core.jobs import CADENCE_OVERRIDES, JOBS, run_due_job
from bot.core.kernel import utcnow
from bot.db import session_scope
from bot.paths import data_dir

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cadence:
    job: str
    trigger: BaseTrigger
    grace: timedelta


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
            cadence = overrides.get(job) or spec.get("cadence", "weekly")
            trigger = make_trigger(
                cadence, spec.get("weekday", "mon"), spec.get("time", "09:00"), zone
            )
            cadences.append(Cadence(job, trigger, timedelta(hours=spec.get("grace_hours", 24))))
    return cadences


def latest_due(trigger: BaseTrigger, now: datetime, grace: timedelta) -> datetime | None:
    """The last moment the trigger fired at or before `now`, if within the grace period."""
    moment = trigger.get_next_fire_time(None, now - grace)
    latest = None
    while moment is not None and moment <= now:
        latest = moment
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    return latest


def tick(engine: Engine, cadence: Cadence, now: datetime | None = None) -> bool:
    """Run the job for its latest due moment, unless that moment already ran."""
    now = now or utcnow()
    due = latest_due(cadence.trigger, now, cadence.grace)
    if due is None:
        return False
    with session_scope(engine) as session:
        ran = run_due_job(session, cadence.job, due.astimezone(now.tzinfo), now)
    if ran:
        log.info("ran %s for %s", cadence.job, due.isoformat())
    return ran


def schedule(scheduler: BaseScheduler, engine: Engine, cadences: list[Cadence]) -> None:
    for cadence in cadences:
        tick(engine, cadence)  # a moment missed while we were down runs now, once
        scheduler.add_job(
            tick,
            cadence.trigger,
            args=(engine, cadence),
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
