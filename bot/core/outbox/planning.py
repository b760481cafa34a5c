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

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.core.kernel import (
    Alliance,
    Button,
    Chart,
    Image,
    Person,
    Picture,
    Platform,
    timezone_of,
    utcnow,
)
from bot.core.outbox.models import Delivery, DeliveryKind, DeliveryStatus
from bot.core.outbox.reach import reachable_identity
from bot.core.outbox.subjects import NOTHING, Subject

COUNTED_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT)
MAX_CAP_WEEKS = 8  # never push a message further than this; skip it instead


@dataclass(frozen=True)
class Plan:
    """What a core job wants to say, to whom, and from when on."""

    dedupe_key: str
    kind: DeliveryKind
    body: str  # small markup, already in the recipient's language
    due_at: datetime
    person: Person | None = None
    channel: str | None = None  # a Slack channel instead of a person
    buttons: Sequence[Button] = ()
    urgent: bool = False
    expires_at: datetime | None = None
    image: Picture | None = None  # a PNG or a chart, sent after the text; see `bot.worker`
    subject: Subject = NOTHING  # what it is about: queries and cancelling use this, not the key


Outcome = Literal["planned", "duplicate", "unreachable", "too_late"]


@dataclass(frozen=True)
class PlanResult:
    outcome: Outcome
    delivery: Delivery | None


def parse_quiet_hours(value: str) -> tuple[time, time]:
    start, end = value.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def _in_quiet_hours(local: datetime, start: time, end: time) -> bool:
    moment = local.time()
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def after_quiet_hours(moment: datetime, zone: ZoneInfo, quiet_hours: str) -> datetime:
    """`moment` itself, or the end of the quiet hours it falls in (in the person's zone)."""
    start, end = parse_quiet_hours(quiet_hours)
    local = moment.astimezone(zone)
    if start == end or not _in_quiet_hours(local, start, end):
        return moment
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(moment.tzinfo)


def earliest_allowed(
    person: Person, alliance: Alliance, moment: datetime, urgent: bool = False
) -> datetime:
    """The first moment at or after `moment` when this person may be sent something."""
    if person.muted_until is not None and person.muted_until > moment:
        moment = person.muted_until
    if urgent:
        return moment
    return after_quiet_hours(moment, ZoneInfo(timezone_of(person, alliance)), alliance.quiet_hours)


def _week_bounds(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0), tzinfo=zone)
    return start.astimezone(moment.tzinfo), (start + timedelta(days=7)).astimezone(moment.tzinfo)


def _count_in_week(session: Session, person_id: int, start: datetime, end: datetime) -> int:
    return session.exec(
        select(func.count())
        .select_from(Delivery)
        .where(
            Delivery.person_id == person_id,
            col(Delivery.status).in_(COUNTED_STATUSES),
            Delivery.urgent == False,  # noqa: E712
            Delivery.due_at >= start,
            Delivery.due_at < end,
        )
    ).one()


def within_cap(
    session: Session, person: Person, alliance: Alliance, moment: datetime
) -> tuple[datetime, bool] | None:
    """Move `moment` to the first week with room under the cap; None if none is near."""
    zone = ZoneInfo(timezone_of(person, alliance))
    held_back = False
    for _ in range(MAX_CAP_WEEKS):
        start, end = _week_bounds(moment, zone)
        if _count_in_week(session, person.id or 0, start, end) < alliance.weekly_cap:
            return moment, held_back
        moment = earliest_allowed(person, alliance, end)
        held_back = True
    return None


def plan_delivery(session: Session, alliance: Alliance, plan: Plan) -> PlanResult:
    """Plan one message, idempotently. Safe against a concurrent planner of the same key."""
    existing = session.exec(select(Delivery).where(Delivery.dedupe_key == plan.dedupe_key)).first()
    if existing is not None:
        return PlanResult("duplicate", existing)
    due_at, held_back = plan.due_at, False
    platform: str = Platform.SLACK  # a channel message goes to the advisers' Slack channel
    if plan.person is not None:
        identity = reachable_identity(session, plan.person)
        if identity is None:
            return PlanResult("unreachable", None)
        platform = identity.platform
        due_at = earliest_allowed(plan.person, alliance, due_at, plan.urgent)
        if not plan.urgent:
            capped = within_cap(session, plan.person, alliance, due_at)
            if capped is None:
                return PlanResult("too_late", None)
            due_at, held_back = capped
    elif plan.channel is None:
        raise ValueError("a plan needs a person or a channel")
    if plan.expires_at is not None and due_at >= plan.expires_at:
        return PlanResult("too_late", None)
    delivery = _delivery(alliance, plan, platform, due_at, held_back)
    try:
        with session.begin_nested():
            session.add(delivery)
    except IntegrityError:  # planned by someone else between our check and our insert
        existing = session.exec(
            select(Delivery).where(Delivery.dedupe_key == plan.dedupe_key)
        ).one()
        return PlanResult("duplicate", existing)
    return PlanResult("planned", delivery)


def _delivery(
    alliance: Alliance, plan: Plan, platform: str, due_at: datetime, held_back: bool
) -> Delivery:
    delivery = Delivery(
        alliance_id=alliance.id,
        dedupe_key=plan.dedupe_key,
        kind=plan.kind,
        person_id=plan.person.id if plan.person else None,
        channel=plan.channel,
        platform=platform,
        body=plan.body,
        buttons=[
            {"label": b.label, "action": b.action, "style": b.style or ""} for b in plan.buttons
        ],
        image=plan.image.png if isinstance(plan.image, Image) else None,
        image_alt=plan.image.alt if plan.image else None,
        image_name=plan.image.filename if plan.image else None,
        chart=plan.image.to_json() if isinstance(plan.image, Chart) else None,
        due_at=due_at,
        expires_at=plan.expires_at,
        urgent=plan.urgent,
        held_back=held_back,
    )
    for column, value in plan.subject.columns().items():
        setattr(delivery, column, value)
    return delivery


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
