"""The clock's jobs: idempotent core use cases, each keyed by the moment it was due.

`run_job` is the one way to run a job, by name: the clock runs it through `run_due_job`, an
operator through `alliancebot jobs run`. Jobs are idempotent by themselves (the outbox's
dedupe keys, flag episodes, one open round), so running one by hand, twice, plans nothing
twice. `run_due_job` adds the ledger: it records a `JobRun` for (job, due moment) in the
job's transaction, before that transaction's first write, so a moment runs once even if two
clocks overlap or the clock restarts halfway.

What a job needs from outside the core (calendars in files or on the web) comes in a
`JobEdge` that whoever runs the job builds: the clock, the CLI and the demo with the real
readers of `bot.adapters`, tests with fakes. A job that brings outside data in does so first
(`Job.bring_in`), with no transaction open while it waits for the outside world, and writes
what it brought in short transactions of its own; see `_bring_in_calendars` for why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session, select

from bot.core.agenda import (
    CalendarAnswer,
    CalendarError,
    CalendarFetcher,
    PartnerCalendar,
    apply_answer,
    calendar_requests,
)
from bot.core.alliance import get_alliance
from bot.core.followup import plan_checkins, refresh_follow_up_flags
from bot.core.harvest import plan_together
from bot.core.inbox import prune
from bot.core.kernel import Alliance, JobRun
from bot.core.needs import offer_intake
from bot.core.overview import plan_digest
from bot.core.pulse import close_round, open_round, open_round_of
from bot.core.toolkit import plan_hints, plan_snippets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobEdge:
    """The outside world as the jobs see it; the core itself opens no file or connection."""

    calendars: CalendarFetcher


Run = Callable[[Session, Alliance, datetime, JobEdge], dict[str, Any]]


@dataclass(frozen=True)
class Job:
    """A job's work, and for the few that copy data in from outside, that copying first.

    `run` is one transaction, which the caller commits; the clock's ledger row is written
    in it. `bring_in` (most jobs have none) runs before it and commits its own short units
    of work in the same session, leaving none open; what it returns joins `run`'s detail."""

    run: Run
    bring_in: Run | None = None


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


def _bring_in_calendars(
    session: Session, alliance: Alliance, now: datetime, edge: JobEdge
) -> dict[str, Any]:
    """Read every partner's calendar at once, then import each in a transaction of its own.

    No transaction is open while the calendars are on their way (up to the edge's time
    budget, a minute): on SQLite a writer would hold the one write lock, on PostgreSQL an
    open transaction would hold row locks and its snapshot. Afterwards each partner's
    import commits alone, so a broken calendar, or a write that fails because another
    process got there first, loses that partner's import only; it keeps its last good one
    (and its plans), the problem is reported, the others go on.

    Why commit the session the job was given, rather than open sessions of its own: that
    session has to end its transaction before the fetch anyway (it read the ledger and the
    partners), and it is all that whoever runs a job (the clock, `jobs run`, the demo, a
    test) hands in; a second session would mean a second connection per run and, on
    SQLite, two writers of one file in one thread. The ledger's promise still holds: the
    `JobRun` row is written after this, with the plans, in the session's last transaction,
    which the caller commits. So the plans of a due moment are made once, and a run cut
    off halfway leaves no row and runs again. What is committed before it repeats safely:
    an import reconciles the agenda with its calendar (twice changes nothing), so two
    clocks overlapping on one moment at worst read a calendar twice."""
    wanted = calendar_requests(session, alliance.id or 0, now)
    zone = alliance.timezone
    session.commit()  # what we read is in plain values now; nothing stays open
    answers = edge.calendars([one.request for one in wanted])
    problems: dict[str, str] = {}
    for one in wanted:
        problem = _import_one(session, one, answers.get(one.request), now, zone)
        if problem is not None:
            problems[one.partner_key] = problem
            log.warning("agenda of %s not imported: %s", one.partner_key, problem)
    return {"problems": problems}


def _import_one(
    session: Session,
    wanted: PartnerCalendar,
    answer: CalendarAnswer | None,
    now: datetime,
    zone: str,
) -> str | None:
    """One partner's import in a transaction of its own; the problem, if it failed."""
    try:
        apply_answer(session, wanted, answer, now=now, default_tz=zone)
        session.commit()
    except CalendarError as error:
        session.rollback()
        return str(error)
    except SQLAlchemyError as error:
        session.rollback()
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        return (
            f"The agenda could not be saved ({reason}); it keeps its last import, and the "
            "next run tries again."
        )
    return None


def _agendas(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    """Plan the snippets of the coming weeks on the agendas as they are now.

    Planning converges on the whole agenda table, so a partner whose calendar was not
    modified, or could not be read, keeps the plans it had."""
    report = plan_snippets(session, alliance, now)
    return {"planned": report.planned, "cancelled": report.cancelled}


def _inbox(session: Session, _alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    """Forget updates handled more than a week ago (they hold what people typed)."""
    return {"pruned": prune(session, now=now)}


def _digest(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    planned = plan_digest(session, alliance, now)
    return {"digest": planned.outcome if planned else "no advisers' channel"}


def _harvest(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    """Last month's harvest to everyone, partner by partner (nothing when there was none)."""
    return {"planned": plan_together(session, alliance, now)}


# In the order of schedules/default.toml, which is the order people read them in.
def _needs(session: Session, alliance: Alliance, now: datetime, _: JobEdge) -> dict[str, Any]:
    """The intake offered to advisers whose partner has none; quiet hints to the
    coordinators about partners whose material or needs go unanswered."""
    return {
        "offers": offer_intake(session, alliance, now),
        "hints": plan_hints(session, alliance, now),
    }


JOBS: dict[str, Job] = {
    "pulse_open": Job(_pulse_open),
    "checkins": Job(_checkins),
    "flags": Job(_flags),
    "pulse_close": Job(_pulse_close),
    "agendas": Job(_agendas, bring_in=_bring_in_calendars),
    "digest": Job(_digest),
    "harvest": Job(_harvest),
    "inbox": Job(_inbox),
    "needs": Job(_needs),
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

    `claim` is called before the job's own transaction writes: the clock records the due
    moment there, and a claim that raises stops the job. A job that brings data in from
    outside (`Job.bring_in`) first commits the session between its own units of work:
    hand it a session that holds nothing uncommitted of yours."""
    job = job_named(name)
    alliance = get_alliance(session)
    brought = job.bring_in(session, alliance, now, edge) if job.bring_in else {}
    claim()
    return {**job.run(session, alliance, now, edge), **brought}


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
