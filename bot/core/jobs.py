"""The clock's jobs: idempotent core use cases, each keyed by the moment it was due.

`run_job` is the one way to run a job, by name: the clock runs it through `run_due_job`, an
operator through `alliancebot jobs run`. Jobs are idempotent by themselves (the outbox's
dedupe keys, flag episodes, one open round), so running one by hand, twice, plans nothing
twice. `run_due_job` adds the ledger: it records a `JobRun` for (job, due moment) before the
job's first write, in the same transaction, so a moment runs once even if two clocks overlap
or the clock restarts halfway.

What a job needs from outside the core (calendars in files or on the web) comes in a
`JobEdge` that whoever runs the job builds: the clock, the CLI and the demo with the real
readers of `bot.adapters`, tests with fakes. A job reads through its edge before it writes
(`Job.prepare`), so no network call happens while the transaction holds a write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.agenda import CalendarError, CalendarReader, import_agenda, read_ahead
from bot.core.alliance import get_alliance
from bot.core.followup import plan_checkins, refresh_follow_up_flags
from bot.core.inbox import prune
from bot.core.kernel import Alliance, JobRun, Partner
from bot.core.overview import plan_digest
from bot.core.pulse import close_round, open_round, open_round_of
from bot.core.toolkit import plan_snippets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobEdge:
    """The outside world as the jobs see it; the core itself opens no file or connection."""

    read_calendar: CalendarReader


Run = Callable[[Session, Alliance, datetime, JobEdge], dict[str, Any]]
Prepare = Callable[[Session, Alliance, JobEdge], JobEdge]


def _as_is(session: Session, alliance: Alliance, edge: JobEdge) -> JobEdge:
    return edge


@dataclass(frozen=True)
class Job:
    """A job's work (`run`, which returns what it did) and its reads from outside the
    database (`prepare`, done before the first write; most jobs have none)."""

    run: Run
    prepare: Prepare = _as_is


class UnknownJobError(LookupError):
    """A job name that is not one of `JOBS`; the message lists the known ones."""

    def __init__(self, name: str) -> None:
        super().__init__(f"There is no job {name!r}. Known jobs: {', '.join(JOBS)}.")
        self.name = name


def _pulse_open(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    opened = open_round(session, alliance, now)
    return {"round": opened.round.id, "created": opened.created, "invited": opened.invited}


def _pulse_close(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    """Close the open round once its deadline has passed (the clock checks hourly)."""
    current = open_round_of(session, alliance)
    if current is None or current.closes_at is None or current.closes_at > now:
        return {"closed": None}
    closed = close_round(session, alliance, now)
    return {"closed": closed.id if closed else None}


def _checkins(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    return {"planned": plan_checkins(session, alliance, now.date())}


def _flags(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    raised = refresh_follow_up_flags(session, alliance, now)
    return {"raised": [f"{f.level}:{f.key}:{f.kind}" for f in raised]}


def _calendar_partners(session: Session, alliance: Alliance) -> Sequence[Partner]:
    return session.exec(
        select(Partner).where(
            Partner.alliance_id == alliance.id,
            col(Partner.active),
            col(Partner.agenda_source).is_not(None),
        )
    ).all()


def _read_calendars(session: Session, alliance: Alliance, edge: JobEdge) -> JobEdge:
    """Every partner's calendar, read before the job writes anything."""
    sources = [p.agenda_source or "" for p in _calendar_partners(session, alliance)]
    return replace(edge, read_calendar=read_ahead(edge.read_calendar, sources))


def _agendas(session: Session, alliance: Alliance, now: datetime, edge: JobEdge) -> dict[str, Any]:
    """Re-import every partner's calendar, then plan the snippets of the coming weeks.

    A calendar that cannot be read now keeps its last good import (and its plans); the
    problem is logged per partner so one broken feed does not stop the others."""
    problems: dict[str, str] = {}
    for partner in _calendar_partners(session, alliance):
        try:
            data = edge.read_calendar(partner.agenda_source or "")
            with session.begin_nested():
                import_agenda(
                    session, partner, data, source="calendar", now=now, default_tz=alliance.timezone
                )
        except CalendarError as error:
            problems[partner.key] = str(error)
            log.warning("agenda of %s not imported: %s", partner.key, error)
    report = plan_snippets(session, alliance, now)
    return {"planned": report.planned, "cancelled": report.cancelled, "problems": problems}


def _inbox(session: Session, _alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    """Forget updates handled more than a week ago (they hold what people typed)."""
    return {"pruned": prune(session, now=now)}


def _digest(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    planned = plan_digest(session, alliance, now)
    return {"digest": planned.outcome if planned else "no advisers' channel"}


# In the order of schedules/default.toml, which is the order people read them in.
JOBS: dict[str, Job] = {
    "pulse_open": Job(_pulse_open),
    "checkins": Job(_checkins),
    "flags": Job(_flags),
    "pulse_close": Job(_pulse_close),
    "agendas": Job(_agendas, prepare=_read_calendars),
    "digest": Job(_digest),
    "inbox": Job(_inbox),
}

# Which alliance setting overrides a job's default cadence.
CADENCE_OVERRIDES: dict[str, Callable[[Alliance], str]] = {
    "pulse_open": lambda alliance: alliance.pulse_cadence,
}


def job_named(name: str) -> Job:
    """The job called `name`, or `UnknownJobError` naming the ones there are."""
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJobError(name) from None


def _nothing_to_claim() -> None:
    return None


def run_job(
    session: Session,
    name: str,
    now: datetime,
    edge: JobEdge,
    claim: Callable[[], None] = _nothing_to_claim,
) -> dict[str, Any]:
    """Run the job `name` as if it were `now`; return what it did (caller commits).

    `claim` is called after the job's outside reads and before its first write: the clock
    records the due moment there, and a claim that raises stops the job."""
    job = job_named(name)
    alliance = get_alliance(session)
    edge = job.prepare(session, alliance, edge)
    claim()
    return job.run(session, alliance, now, edge)


def already_ran(session: Session, job: str, due_at: datetime) -> bool:
    return (
        session.exec(select(JobRun).where(JobRun.job == job, JobRun.due_at == due_at)).first()
        is not None
    )


class _Taken(Exception):
    """Another clock recorded this moment first."""


def run_due_job(session: Session, job: str, due_at: datetime, now: datetime, edge: JobEdge) -> bool:
    """Run `job` for the moment `due_at` unless it ran for it before; True if it ran now."""
    if already_ran(session, job, due_at):
        return False
    run = JobRun(job=job, due_at=due_at, ran_at=now)

    def claim() -> None:
        try:
            with session.begin_nested():
                session.add(run)
        except IntegrityError:
            raise _Taken from None

    try:
        run.detail = run_job(session, job, now, edge, claim)
    except _Taken:
        return False
    return True
