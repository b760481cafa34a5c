"""The rules a planned message obeys, as plain functions: what a plan is, and when a person
may be sent something. `planning` and `batch` apply them; the worker checks them again."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from bot.core.kernel import Alliance, Button, Person, Picture, timezone_of
from bot.core.outbox.models import Delivery, DeliveryKind, DeliveryStatus
from bot.core.outbox.subjects import NOTHING, Subject

COUNTED_STATUSES = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT)
MAX_CAP_WEEKS = 8  # never push a message further than this; skip it instead


@dataclass(frozen=True)
class Plan:
    """What a core job wants to say, to whom, and from when on."""

    dedupe_key: str
    kind: DeliveryKind
    # small markup, already in the recipient's language; or what renders it, called only
    # when the plan is planned (a daily job whose plans are mostly planned already, or
    # held beyond reach by the cap, then renders no text that nobody gets)
    body: str | Callable[[], str]
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


@cache  # asked for every plan and every week the cap looks at; an alliance has one value
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


def week_bounds(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00 in `zone`, around `moment`: one cap week."""
    local = moment.astimezone(zone)
    monday = local.date() - timedelta(days=local.weekday())
    start = datetime.combine(monday, time(0), tzinfo=zone)
    return start.astimezone(moment.tzinfo), (start + timedelta(days=7)).astimezone(moment.tzinfo)
