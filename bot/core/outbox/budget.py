"""One send budget for the whole bot, kept in the database.

Every process that calls a platform (the web process answering a tap, each worker sending
a round) reserves its turn here before it sends: `reserve` moves the platform's next free
moment one interval on and returns the moment that is the caller's. Processes on other
machines share it through the database (PostgreSQL), processes on one machine through the
file (SQLite); a booking moves the row on only from the moment it read, so two
reservations never get the same moment.

Answers to people come first. A fan-out may book at most `horizon` ahead, so the schedule
never fills with bulk sends; an interactive answer books with no horizon, takes the next
free moment and waits at most about that horizon, however large the round. A 429 from the
platform (`pause`) pushes the schedule past the platform's `retry_after`, for everyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.kernel import utcnow
from bot.core.outbox.models import SendBudget


def reserve(
    session: Session,
    platform: str,
    interval: timedelta,
    horizon: timedelta | None = None,
    now: datetime | None = None,
) -> datetime | None:
    """The moment this caller may send, now booked; None when the next free moment is
    further than `horizon` away (try again a little later). The caller commits at once.

    The row is read, then moved on only if nobody moved it meanwhile (else read again):
    the write lock is held for one statement, not for a read, a write and the round trips
    between them. Every send of every process passes here, so on a busy machine a lock held
    over round trips became the bot's pace."""
    while True:
        moment = now or utcnow()
        current = session.exec(
            select(SendBudget.next_slot).where(col(SendBudget.platform) == platform)
        ).first()
        if current is None:
            _create(session, platform, moment)
            continue
        start = max(_aware(current), moment)
        if horizon is not None and start > moment + horizon:
            session.rollback()  # nothing booked; the read is over
            return None
        session.commit()  # the read's snapshot ends here (SQLite could not write after it)
        booked = session.execute(
            update(SendBudget)
            .where(col(SendBudget.platform) == platform, col(SendBudget.next_slot) == current)
            .values(next_slot=start + interval)
        )
        if int(getattr(booked, "rowcount", 0) or 0) == 1:
            return start
        session.rollback()  # another process booked first: ask again


def pause(session: Session, platform: str, until: datetime) -> None:
    """The platform said "wait": nobody's turn comes before `until`."""
    row = _locked(session, platform, until)
    if _aware(row.next_slot) < until:
        row.next_slot = until
        session.flush()


def _locked(session: Session, platform: str, now: datetime) -> SendBudget:
    """The platform's row, write-locked first (a no-op update) so that two processes
    reading it never both book the same moment — on SQLite too, where a read could not be
    turned into a write later."""
    touch = (
        update(SendBudget)
        .where(col(SendBudget.platform) == platform)
        .values(next_slot=col(SendBudget.next_slot))
    )
    if int(getattr(session.execute(touch), "rowcount", 0) or 0) == 0:
        _create(session, platform, now)
        session.execute(touch)
    row = session.get(SendBudget, platform, populate_existing=True)
    assert row is not None
    return row


def _create(session: Session, platform: str, now: datetime) -> None:
    """The platform's row, made on first use (another process may make it first)."""
    try:
        with session.begin_nested():
            session.add(SendBudget(platform=platform, next_slot=now))
    except IntegrityError:
        pass


def _aware(moment: datetime) -> datetime:
    """SQLite hands back what it stored; the column type makes it aware, a raw update may not."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)
