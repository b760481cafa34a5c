"""The clock's jobs: idempotent core use cases, each keyed by the moment it was due.

`run_due_job` records a `JobRun` for (job, due moment) before doing the work, in the same
transaction, so a moment runs once even if two clocks overlap or the clock restarts halfway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.agenda import CalendarError, fetch, import_agenda
from bot.core.alliance import get_alliance
from bot.core.followup import plan_checkins, refresh_follow_up_flags
from bot.core.kernel import Alliance, JobRun, Partner
from bot.core.overview import plan_digest
from bot.core.pulse import close_round, open_round, open_round_of
from bot.core.toolkit import plan_snippets

log = logging.getLogger(__name__)

Job = Callable[[Session, Alliance, datetime], dict[str, Any]]


def _pulse_open(session: Session, alliance: Alliance, now: datetime) -> dict[str, Any]:
    opened = open_round(session, alliance, now)
    return {"round": opened.round.id, "created": opened.created, "invited": opened.invited}


def _pulse_close(session: Session, alliance: Alliance, now: datetime) -> dict[str, Any]:
    """Close the open round once its deadline has passed (the clock checks hourly)."""
    current = open_round_of(session, alliance)
    if current is None or current.closes_at is None or current.closes_at > now:
        return {"closed": None}
    closed = close_round(session, alliance, now)
    return {"closed": closed.id if closed else None}


def _checkins(session: Session, alliance: Alliance, now: datetime) -> dict[str, Any]:
    return {"planned": plan_checkins(session, alliance, now.date())}


def _flags(session: Session, alliance: Alliance, now: datetime) -> dict[str, Any]:
    raised = refresh_follow_up_flags(session, alliance, now)
    return {"raised": [f"{f.level}:{f.key}:{f.kind}" for f in raised]}


def _agendas(session: Session, alliance: Alliance, now: datetime) -> dict[str, Any]:
    """Re-read every partner's calendar, then plan the snippets of the coming weeks.

    A calendar that cannot be read now keeps its last good import (and its plans); the
    problem is logged per partner so one broken feed does not stop the others."""
    problems: dict[str, str] = {}
    partners = session.exec(
        select(Partner).where(
            Partner.alliance_id == alliance.id,
            col(Partner.active),
            col(Partner.agenda_source).is_not(None),
        )
    ).all()
    for partner in partners:
        try:
            data = fetch(partner.agenda_source or "")
            with session.begin_nested():
                import_agenda(
                    session, partner, data, source="calendar", now=now, default_tz=alliance.timezone
                )
        except CalendarError as error:
            problems[partner.key] = str(error)
            log.warning("agenda of %s not imported: %s", partner.key, error)
    report = plan_snippets(session, alliance, now)
    return {"planned": report.planned, "cancelled": report.cancelled, "problems": problems}


def _digest(session: Session, alliance: Alliance, now: datetime) -> dict[str, Any]:
    planned = plan_digest(session, alliance, now)
    return {"digest": planned.outcome if planned else "no advisers' channel"}


JOBS: dict[str, Job] = {
    "digest": _digest,
    "agendas": _agendas,
    "pulse_open": _pulse_open,
    "pulse_close": _pulse_close,
    "checkins": _checkins,
    "flags": _flags,
}

# Which alliance setting overrides a job's default cadence.
CADENCE_OVERRIDES: dict[str, Callable[[Alliance], str]] = {
    "pulse_open": lambda alliance: alliance.pulse_cadence,
}


def already_ran(session: Session, job: str, due_at: datetime) -> bool:
    return (
        session.exec(select(JobRun).where(JobRun.job == job, JobRun.due_at == due_at)).first()
        is not None
    )


def run_due_job(session: Session, job: str, due_at: datetime, now: datetime) -> bool:
    """Run `job` for the moment `due_at` unless it ran for it before; True if it ran now."""
    if already_ran(session, job, due_at):
        return False
    run = JobRun(job=job, due_at=due_at, ran_at=now)
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        return False
    run.detail = JOBS[job](session, get_alliance(session), now)
    return True
