"""Storing updates first, handling each exactly once, and trying again what failed.

A platform that gets an answer other than 2xx delivers the update again later; one that
gets a 2xx never does. So an update is acknowledged only once it is stored here (`receive`),
and its effect is committed in the same transaction that marks it done (`finish`): handled
twice — a redelivery, a retry racing a slow first try, two web processes — the second
transaction finds it done and rolls back whole. What failed after it was stored stays
pending and is tried again (`due`), with a growing pause, until `MAX_ATTEMPTS`.

A handler holds a lease (`LEASE`) on the row it works on: `next_try_at` is pushed past the
time it needs, so the retry loop of this or another process leaves it alone meanwhile, and
takes it over if the handler died.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.core.inbox.models import Inbound, InboundStatus
from bot.core.kernel import utcnow

LEASE = timedelta(seconds=60)  # far more than handling an update takes
FIRST_PAUSE = timedelta(seconds=2)
MAX_PAUSE = timedelta(minutes=10)
MAX_ATTEMPTS = 10  # about an hour of trying before an operator is needed
MAX_ERROR = 500
KEEP = timedelta(days=7)


class AlreadyHandled(Exception):
    """The update was handled by someone else meanwhile: roll back this try."""


@dataclass(frozen=True)
class Stored:
    id: int
    payload: str


def receive(
    session: Session, platform: str, key: str, payload: str, now: datetime | None = None
) -> int | None:
    """Store an update; its row id, or None when it was stored before (a redelivery).

    The caller commits before acknowledging. The row is leased to the receiver, which
    handles it right away."""
    now = now or utcnow()
    row = Inbound(platform=platform, key=key, payload=payload, next_try_at=now + LEASE)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row.id


def finish(session: Session, inbound_id: int, now: datetime | None = None) -> None:
    """Mark the update done, in the transaction that holds its effect; `AlreadyHandled`
    when another try got there first (the caller must then roll back)."""
    result = session.execute(
        update(Inbound)
        .where(col(Inbound.id) == inbound_id, col(Inbound.status) == InboundStatus.PENDING)
        .values(status=InboundStatus.DONE, done_at=now or utcnow(), last_error=None)
    )
    if int(getattr(result, "rowcount", 0) or 0) != 1:
        raise AlreadyHandled(inbound_id)


def failed(session: Session, inbound_id: int, error: str, now: datetime | None = None) -> None:
    """This try failed: try again after a pause that doubles each time, or give up."""
    now = now or utcnow()
    row = session.get(Inbound, inbound_id)
    if row is None or row.status != InboundStatus.PENDING:
        return
    row.attempts += 1
    row.last_error = error[:MAX_ERROR]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = InboundStatus.FAILED
        return
    pause = min(FIRST_PAUSE * 2 ** (row.attempts - 1), MAX_PAUSE)
    row.next_try_at = now + pause


def due(
    session: Session, platform: str, now: datetime | None = None, limit: int = 50
) -> list[Stored]:
    """Pending updates whose time has come (a failed try, a handler that died), each now
    leased to the caller; another process's lease is left alone."""
    now = now or utcnow()
    candidates: Sequence[int | None] = session.exec(
        select(Inbound.id)
        .where(
            Inbound.platform == platform,
            col(Inbound.status) == InboundStatus.PENDING,
            col(Inbound.next_try_at) <= now,
        )
        .order_by(col(Inbound.id))
        .limit(limit)
    ).all()
    leased: list[Stored] = []
    for inbound_id in candidates:
        taken = session.execute(
            update(Inbound)
            .where(
                col(Inbound.id) == inbound_id,
                col(Inbound.status) == InboundStatus.PENDING,
                col(Inbound.next_try_at) <= now,
            )
            .values(next_try_at=now + LEASE)
        )
        if int(getattr(taken, "rowcount", 0) or 0) == 1:
            row = session.get(Inbound, inbound_id)
            assert row is not None and row.id is not None
            leased.append(Stored(row.id, row.payload))
    return leased


def inbox_counts(session: Session) -> dict[str, int]:
    counts = {str(status): 0 for status in InboundStatus}
    for status, number in session.exec(
        select(Inbound.status, func.count()).group_by(col(Inbound.status))
    ):
        counts[status] = number
    return counts


def prune(session: Session, keep: timedelta = KEEP, now: datetime | None = None) -> int:
    """Forget handled updates after `keep`: they hold people's own words, and a platform
    stops redelivering long before (Telegram within a day)."""
    result = session.execute(
        delete(Inbound).where(
            col(Inbound.status) == InboundStatus.DONE,
            col(Inbound.done_at) < (now or utcnow()) - keep,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
