"""Planning unsolicited messages: once, at a humane moment, within a person's weekly cap.

The core never sends. It plans a `Delivery` row with a dedupe key; the worker sends it.
Planning the same key twice is a no-op, which is what makes every clock job idempotent.
The key is only that: what a message is about is its `Subject`, kept in columns of its own.

The rules a planned message obeys, in this order (the worker checks them again just before
sending, because time passes between planning and sending):

1. **mute** — a muted person hears nothing until the mute ends;
2. **quiet hours** — nothing in the alliance's quiet hours (default 21:00–08:00) in the
   recipient's own time zone, unless the planner marks the message urgent;
3. **weekly cap** — at most `weekly_cap` unsolicited messages per person per week (Monday to
   Sunday in their time zone); the rest move to the next week and say that they were held
   back, so nobody wonders why a reminder came late.

A message that would only arrive after it stopped mattering (`expires_at`, e.g. a poll that
closes) is not planned at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from bot.core.kernel import Alliance, Person, utcnow
from bot.core.outbox.batch import plan_many
from bot.core.outbox.models import Delivery, DeliveryKind, DeliveryStatus
from bot.core.outbox.rules import (
    COUNTED_STATUSES,
    MAX_CAP_WEEKS,
    Outcome,
    Plan,
    PlanResult,
    after_quiet_hours,
    earliest_allowed,
    parse_quiet_hours,
    week_bounds,
)
from bot.core.outbox.subjects import Subject

__all__ = [
    "COUNTED_STATUSES",
    "MAX_CAP_WEEKS",
    "Outcome",
    "Plan",
    "PlanResult",
    "after_quiet_hours",
    "cancel_pending",
    "earliest_allowed",
    "mute",
    "outbox_counts",
    "parse_quiet_hours",
    "plan_delivery",
    "plan_many",
    "week_bounds",
]


def plan_delivery(session: Session, alliance: Alliance, plan: Plan) -> PlanResult:
    """Plan one message, idempotently. Safe against a concurrent planner of the same key.
    A batch of one: a job that plans many messages calls `plan_many` once instead."""
    return plan_many(session, alliance, [plan])[0]


def cancel_pending(
    session: Session, kind: DeliveryKind, subject: Subject, person_id: int | None = None
) -> int:
    """Drop planned messages that no longer make sense (the proposal they ask about closed):
    those of `kind` about `subject`, and only those to `person_id` when it is given."""
    about = subject.conditions()
    if not about:  # without a subject this would cancel every pending message of the kind
        raise ValueError("cancel_pending needs a subject")
    if person_id is not None:
        about.append(col(Delivery.person_id) == person_id)
    result = session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == kind,
            col(Delivery.status) == DeliveryStatus.PENDING,
            *about,
        )
        .values(status=DeliveryStatus.CANCELLED)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def mute(person: Person, days: int, now: datetime | None = None) -> datetime | None:
    """Pause unsolicited messages for `days` (0 ends a mute); planned ones wait, not vanish."""
    now = now or utcnow()
    person.muted_until = now + timedelta(days=days) if days > 0 else None
    return person.muted_until


def outbox_counts(session: Session) -> dict[str, int]:
    counts = {status.value: 0 for status in DeliveryStatus}
    for status, number in session.exec(
        select(Delivery.status, func.count()).group_by(col(Delivery.status))
    ):
        counts[status] = number
    counts["due_now"] = session.exec(
        select(func.count())
        .select_from(Delivery)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.due_at <= utcnow())
    ).one()
    return counts
