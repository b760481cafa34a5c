"""Planning many messages at once, in a fixed number of queries however many there are.

A daily job plans hundreds of messages (every snippet for every agenda moment, every
check-in of the coming weeks). Asked one by one, each costs a dedupe lookup, an identity
lookup and up to `MAX_CAP_WEEKS` counts for the weekly cap; a year into an alliance that
is most of the clock's time. `plan_many` asks the database the same questions once for
the whole batch: which keys exist, which account each recipient has, and which counted
messages each recipient already has in the weeks the batch may touch. The cap is then
kept in Python, per person and week in the person's own zone, counting what the batch
itself planned before, so a batch gives exactly what planning its plans one by one, in
order, would give.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.core.kernel import Alliance, Chart, Identity, Image, Person, Platform, timezone_of
from bot.core.outbox.models import Delivery
from bot.core.outbox.reach import reachable_identities
from bot.core.outbox.rules import (
    COUNTED_STATUSES,
    MAX_CAP_WEEKS,
    Outcome,
    Plan,
    PlanResult,
    earliest_allowed,
    week_bounds,
)

KEYS_PER_QUERY = 10_000  # well under SQLite's and PostgreSQL's limits on bound parameters


def plan_many(session: Session, alliance: Alliance, plans: Sequence[Plan]) -> list[PlanResult]:
    """Plan a batch idempotently, in order: one result per plan, as `plan_delivery` gives.

    A key planned earlier in the batch makes a later plan with that key a duplicate. Safe
    against a concurrent planner of the same keys: the rows go in under a savepoint, and
    when one of them is refused they go in one at a time, the refused ones as duplicates."""
    existing = _existing(session, [p.dedupe_key for p in plans])
    todo = [p for p in plans if p.dedupe_key not in existing]
    if any(p.person is None and p.channel is None for p in todo):
        raise ValueError("a plan needs a person or a channel")
    people = {p.person.id: p.person for p in todo if p.person is not None}
    accounts = reachable_identities(session, people.values())
    cap = WeeklyCap.read(session, alliance, todo)
    decided: list[PlanResult | tuple[Outcome, str]] = []
    fresh: dict[str, _New] = {}
    for plan in plans:
        key = plan.dedupe_key
        if key in existing:
            decided.append(PlanResult("duplicate", existing[key]))
        elif key in fresh:
            decided.append(("duplicate", key))
        else:
            new = _decide(alliance, plan, accounts, cap)
            if isinstance(new, str):
                decided.append(PlanResult(new, None))
            else:
                fresh[key] = new
                decided.append(("planned", key))
    inserted = _insert(session, alliance, list(fresh.values()))
    return [_result(d, inserted) for d in decided]


@dataclass(frozen=True)
class _New:
    """A row to insert, as the plan and the rules made it."""

    plan: Plan
    platform: str
    due_at: datetime
    held_back: bool

    def values(self, alliance: Alliance) -> dict[str, Any]:
        return delivery_values(alliance, self.plan, self.platform, self.due_at, self.held_back)


def _result(
    decided: PlanResult | tuple[Outcome, str], inserted: dict[str, PlanResult]
) -> PlanResult:
    if isinstance(decided, PlanResult):
        return decided
    outcome, key = decided
    if outcome == "planned":
        return inserted[key]
    return PlanResult("duplicate", inserted[key].delivery)  # a later plan with the same key


def _decide(
    alliance: Alliance, plan: Plan, accounts: dict[int, Identity], cap: WeeklyCap
) -> _New | Outcome:
    """The plan's row (booked in the cap), or why there is none."""
    due_at, held_back = plan.due_at, False
    platform: str = Platform.SLACK  # a channel message goes to the advisers' Slack channel
    if plan.person is not None:
        identity = accounts.get(plan.person.id or 0)
        if identity is None:
            return "unreachable"
        platform = identity.platform
        due_at = earliest_allowed(plan.person, alliance, due_at, plan.urgent)
        if not plan.urgent:
            capped = cap.place(plan.person, due_at)
            if capped is None:
                return "too_late"
            due_at, held_back = capped
    if plan.expires_at is not None and due_at >= plan.expires_at:
        return "too_late"
    if plan.person is not None and not plan.urgent:
        cap.book(plan.person, due_at)
    return _New(plan, platform, due_at, held_back)


class WeeklyCap:
    """Each person's counted messages per week (in their own zone), and the batch's own."""

    def __init__(self, alliance: Alliance, counted: dict[int, list[datetime]]) -> None:
        self.alliance = alliance
        self._counted = counted
        self._weeks: dict[int, Counter[datetime]] = {}

    @classmethod
    def read(cls, session: Session, alliance: Alliance, plans: Iterable[Plan]) -> WeeklyCap:
        """Counted messages of the batch's recipients, in one query: from the week of the
        earliest plan to `MAX_CAP_WEEKS` after the latest (every week the cap may look at)."""
        capped = [p for p in plans if p.person is not None and not p.urgent]
        counted: dict[int, list[datetime]] = defaultdict(list)
        if capped:
            moments = [earliest_allowed(p.person, alliance, p.due_at) for p in capped if p.person]
            ids = sorted({p.person.id or 0 for p in capped if p.person})
            for person_id, due_at in session.exec(
                select(Delivery.person_id, Delivery.due_at).where(
                    col(Delivery.person_id).in_(ids),
                    col(Delivery.status).in_(COUNTED_STATUSES),
                    Delivery.urgent == False,  # noqa: E712
                    Delivery.due_at >= min(moments) - timedelta(days=7),
                    Delivery.due_at < max(moments) + timedelta(weeks=MAX_CAP_WEEKS + 1),
                )
            ):
                counted[person_id or 0].append(due_at)
        return cls(alliance, counted)

    def place(self, person: Person, moment: datetime) -> tuple[datetime, bool] | None:
        """Move `moment` to the first week with room under the cap; None if none is near."""
        zone = ZoneInfo(timezone_of(person, self.alliance))
        weeks = self._of(person, zone)
        held_back = False
        for _ in range(MAX_CAP_WEEKS):
            start, end = week_bounds(moment, zone)
            if weeks[start.astimezone(UTC)] < self.alliance.weekly_cap:
                return moment, held_back
            moment = earliest_allowed(person, self.alliance, end)
            held_back = True
        return None

    def book(self, person: Person, moment: datetime) -> None:
        """A message planned in this batch counts for the plans after it."""
        zone = ZoneInfo(timezone_of(person, self.alliance))
        self._of(person, zone)[week_bounds(moment, zone)[0].astimezone(UTC)] += 1

    def _of(self, person: Person, zone: ZoneInfo) -> Counter[datetime]:
        key = person.id or 0
        if key not in self._weeks:
            self._weeks[key] = Counter(
                week_bounds(moment, zone)[0].astimezone(UTC)
                for moment in self._counted.get(key, [])
            )
        return self._weeks[key]


def _existing(session: Session, keys: Sequence[str]) -> dict[str, Delivery]:
    """The rows already planned under these keys (one query for any realistic batch)."""
    unique = sorted(set(keys))
    found: dict[str, Delivery] = {}
    for start in range(0, len(unique), KEYS_PER_QUERY):
        chunk = unique[start : start + KEYS_PER_QUERY]
        for delivery in session.exec(select(Delivery).where(col(Delivery.dedupe_key).in_(chunk))):
            found[delivery.dedupe_key] = delivery
    return found


def _insert(session: Session, alliance: Alliance, new: list[_New]) -> dict[str, PlanResult]:
    """Insert the batch's rows in one statement (the driver may split a very large one into
    pages); when a concurrent planner got a key first, insert them one at a time. Returns
    what became of each key. The rows come back as the session's own objects, so a caller
    may still change them (a button that names the row's id) before the next flush."""
    if not new:
        return {}
    rows = _same_shape([n.values(alliance) for n in new])
    try:
        with session.begin_nested():
            # no `sort_by_parameter_order`: on SQLite that means a statement per row; the
            # rows are matched to their plans by their unique key instead
            # NULLs rendered: rows of one shape are one statement, not one per shape
            inserted = session.scalars(
                insert(Delivery).returning(Delivery),
                rows,
                execution_options={"render_nulls": True},
            ).all()
    except IntegrityError:  # planned by someone else between our lookup and our insert
        return _insert_one_by_one(session, alliance, new)
    return {d.dedupe_key: PlanResult("planned", d) for d in inserted}


def _same_shape(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every row with the same columns: those any row of the batch sets (the others stay
    NULL without being sent, which keeps a large statement small)."""
    used = {name for row in rows for name, value in row.items() if value is not None}
    return [{name: value for name, value in row.items() if name in used} for row in rows]


def _insert_one_by_one(
    session: Session, alliance: Alliance, new: list[_New]
) -> dict[str, PlanResult]:
    results: dict[str, PlanResult] = {}
    for row in new:
        delivery = Delivery(**row.values(alliance))
        try:
            with session.begin_nested():
                session.add(delivery)
            results[delivery.dedupe_key] = PlanResult("planned", delivery)
        except IntegrityError:
            existing = session.exec(
                select(Delivery).where(Delivery.dedupe_key == delivery.dedupe_key)
            ).one()
            results[delivery.dedupe_key] = PlanResult("duplicate", existing)
    return results


def delivery_values(
    alliance: Alliance, plan: Plan, platform: str, due_at: datetime, held_back: bool
) -> dict[str, Any]:
    """The columns a plan's row gets (the rest keep their defaults: pending, no attempts)."""
    values: dict[str, Any] = {
        "alliance_id": alliance.id,
        "dedupe_key": plan.dedupe_key,
        "kind": plan.kind,
        "person_id": plan.person.id if plan.person else None,
        "channel": plan.channel,
        "platform": platform,
        "body": plan.body() if callable(plan.body) else plan.body,
        "buttons": [
            {"label": b.label, "action": b.action, "style": b.style or ""} for b in plan.buttons
        ],
        "image": plan.image.png if isinstance(plan.image, Image) else None,
        "image_alt": plan.image.alt if plan.image else None,
        "image_name": plan.image.filename if plan.image else None,
        "chart": plan.image.to_json() if isinstance(plan.image, Chart) else None,
        "due_at": due_at,
        "expires_at": plan.expires_at,
        "urgent": plan.urgent,
        "held_back": held_back,
    }
    values.update(asdict(plan.subject))  # the subject's columns, unset ones as NULL
    return values
