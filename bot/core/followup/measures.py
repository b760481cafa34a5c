"""Follow-up measures per partner and per region, counted by the database.

The decline rule (`decline`) reads a small per-period series per group; the adviser reads
a handful of measures next to it. Both are counted here in SQL — GROUP BY over the
agreement table — so that 100,000 agreements cost one pass of the database rather than a
Python loop over rows, and the same numbers come out of SQLite and PostgreSQL.

Periods in SQL
    `decline` numbers two-week periods from 2024-01-01 with floor division. SQL's integer
    division truncates towards zero instead, so the day count is shifted by a whole number
    of periods first (``(days + 14 * 10000) / 14 - 10000``): the same floor for any date
    after the year 1641, in both dialects. Only the day count itself differs per dialect
    (``julianday`` in SQLite, date subtraction in PostgreSQL).

As of a day
    Exactly the bounds in `decline`'s docstring: an agreement exists once ``made_on <=
    as_of``, is settled once ``due_on < as_of``, is on time when ``done_on <= due_on``, and
    a completion after `as_of` was not known then. Dropped agreements count nowhere.

Check-ins
    A check-in is *unanswered* when it was sent (by `as_of`) and no answer to its agreement
    came after it. A check-in delivery names its agreement in `Delivery.agreement_id`
    (indexed), so the join is an ordinary one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, exists, func, literal, or_
from sqlalchemy import select as sa_select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from bot.core.followup.decline import (
    EPOCH,
    PERIOD,
    FollowUpSeries,
    PeriodCounts,
    series_from_counts,
)
from bot.core.followup.models import Agreement, AgreementStatus, CheckIn
from bot.core.kernel import Alliance
from bot.core.outbox import Delivery, DeliveryKind, DeliveryStatus

SHIFT = 10_000  # whole periods added before truncating division, so it floors (see above)
LEVELS = ("partner", "region")


def _days_since_epoch(session: Session, day: Any) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(day) - func.julianday(EPOCH.isoformat()), Integer)
    return cast(day - literal(EPOCH), Integer)


def period_of(session: Session, day: Any) -> ColumnElement[int]:
    """The SQL for `trends.period_index(day)`."""
    days = _days_since_epoch(session, day)
    return (days + PERIOD.days * SHIFT) // PERIOD.days - SHIFT


def _group_column(level: str) -> Any:
    return col(Agreement.owner_partner_id) if level == "partner" else col(Agreement.region_id)


def _known(alliance: Alliance, as_of: date) -> list[ColumnElement[bool]]:
    return [
        col(Agreement.alliance_id) == alliance.id,
        col(Agreement.made_on) <= as_of,
        col(Agreement.status) != AgreementStatus.DROPPED,
    ]


@dataclass(frozen=True)
class GroupSeries:
    """Per-period series of every partner and every region, from the same two scans."""

    partner: dict[int, FollowUpSeries]
    region: dict[int, FollowUpSeries]
    unanswered: dict[tuple[str, int], dict[int, int]]  # (level, group) -> due period -> n
    alliance: FollowUpSeries | None = None  # every agreement together (None: none known)
    region_partners: dict[int, dict[int, FollowUpSeries]] = field(default_factory=dict)
    # region -> partner -> that partner's agreements in the region (for pseudo-cooperation)

    def of(self, level: str) -> dict[int, FollowUpSeries]:
        return self.partner if level == "partner" else self.region

    def unanswered_since(self, level: str, group_id: int, period: int) -> int:
        counts = self.unanswered.get((level, group_id), {})
        return sum(n for p, n in counts.items() if p >= period)


def series_by_groups(session: Session, alliance: Alliance, as_of: date) -> GroupSeries:
    """Both levels at once: grouped by (partner, region, period), then added up per level,
    so 100,000 agreements are scanned twice (settled, made), not once per level."""
    partner, region = col(Agreement.owner_partner_id), col(Agreement.region_id)
    due_period = period_of(session, col(Agreement.due_on)).label("period")
    settled = session.execute(
        sa_select(
            partner,
            region,
            due_period,
            func.count(),
            func.sum(case((col(Agreement.done_on) <= col(Agreement.due_on), 1), else_=0)),
            func.sum(
                case(
                    (
                        or_(col(Agreement.done_on).is_(None), col(Agreement.done_on) > as_of),
                        1,
                    ),
                    else_=0,
                )
            ),
        )
        .where(*_known(alliance, as_of), col(Agreement.due_on) < as_of)
        .group_by(partner, region, due_period)
    ).all()
    made_period = period_of(session, col(Agreement.made_on)).label("period")
    made = session.execute(
        sa_select(partner, region, made_period, func.count())
        .where(*_known(alliance, as_of))
        .group_by(partner, region, made_period)
    ).all()
    counted = [
        (p, r, PeriodCounts(int(period), due=due, on_time=on_time, open=still_open))
        for p, r, period, due, on_time, still_open in settled
    ] + [(p, r, PeriodCounts(int(period), made=count)) for p, r, period, count in made]
    return _series(as_of, counted, _unanswered_by_period(session, alliance, as_of))


Counted = tuple[int, int | None, PeriodCounts]  # (partner, region, counts)


def _series(as_of: date, counted: list[Counted], unanswered_rows: list[Any]) -> GroupSeries:
    """The grouped rows added up per partner, per region, per region and partner, and all."""
    by_partner: dict[int, list[PeriodCounts]] = defaultdict(list)
    by_region: dict[int, list[PeriodCounts]] = defaultdict(list)
    in_region: dict[int, dict[int, list[PeriodCounts]]] = defaultdict(lambda: defaultdict(list))
    for partner_id, region_id, counts in counted:
        by_partner[partner_id].append(counts)
        if region_id is not None:
            by_region[region_id].append(counts)
            in_region[region_id][partner_id].append(counts)
    unanswered: dict[tuple[str, int], dict[int, int]] = defaultdict(dict)
    for partner_id, region_id, period, count in unanswered_rows:
        for level, group_id in (("partner", partner_id), ("region", region_id)):
            if group_id is not None:
                bucket = unanswered[(level, group_id)]
                bucket[int(period)] = bucket.get(int(period), 0) + count
    return GroupSeries(
        partner={g: series_from_counts(as_of, c) for g, c in by_partner.items()},
        region={g: series_from_counts(as_of, c) for g, c in by_region.items()},
        unanswered=unanswered,
        alliance=series_from_counts(as_of, [c for _, _, c in counted]) if counted else None,
        region_partners={
            r: {p: series_from_counts(as_of, c) for p, c in partners.items()}
            for r, partners in in_region.items()
        },
    )


def series_by_group(
    session: Session, alliance: Alliance, level: str, as_of: date
) -> dict[int, FollowUpSeries]:
    """One level's series (groups without agreements: absent)."""
    return series_by_groups(session, alliance, as_of).of(level)


def _unanswered_by_period(session: Session, alliance: Alliance, as_of: date) -> list[Any]:
    """Unanswered check-ins by (partner, region, period of the agreement's due date)."""
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)
    answered_after = exists().where(
        col(CheckIn.agreement_id) == col(Agreement.id),
        col(CheckIn.created_at) >= col(Delivery.sent_at),
        col(CheckIn.created_at) < end,
    )
    due_period = period_of(session, col(Agreement.due_on)).label("period")
    return list(
        session.execute(
            sa_select(
                col(Agreement.owner_partner_id), col(Agreement.region_id), due_period, func.count()
            )
            .select_from(Agreement)
            .join(Delivery, _checkin_of_agreement())
            .where(
                *_known(alliance, as_of),
                col(Delivery.kind) == DeliveryKind.CHECKIN,
                col(Delivery.status) == DeliveryStatus.SENT,
                col(Delivery.sent_at) < end,
                ~answered_after,
            )
            .group_by(col(Agreement.owner_partner_id), col(Agreement.region_id), due_period)
        ).all()
    )


def _checkin_of_agreement() -> ColumnElement[bool]:
    return col(Delivery.agreement_id) == col(Agreement.id)


@dataclass(frozen=True)
class Measures:
    """One group's follow-up as known on a day, for the explanation and `agreements measures`."""

    due: int = 0  # settled agreements (due before as_of)
    on_time: int = 0
    overdue: int = 0  # settled, no completion known: still open past the due date
    median_days_late: float | None = None  # of late ones (open ones: late until as_of)
    checkins_sent: int = 0
    checkins_unanswered: int = 0

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def checkin_response_rate(self) -> float | None:
        if not self.checkins_sent:
            return None
        return 1 - self.checkins_unanswered / self.checkins_sent

    def as_dict(self) -> dict[str, Any]:
        return {
            "due": self.due,
            "on_time": self.on_time,
            "on_time_rate": _round(self.on_time_rate),
            "overdue": self.overdue,
            "median_days_late": self.median_days_late,
            "checkins_sent": self.checkins_sent,
            "checkins_unanswered": self.checkins_unanswered,
            "checkin_response_rate": _round(self.checkin_response_rate),
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def measures_by_group(
    session: Session, alliance: Alliance, level: str, as_of: date, since: date | None = None
) -> dict[int, Measures]:
    """On-time rate, overdue count, median days late and check-in answers per group.

    `since` limits the measures to agreements due from that day (a flag's recent window).
    """
    group = _group_column(level)
    known = [*_known(alliance, as_of), group.is_not(None)]
    if since is not None:
        known.append(col(Agreement.due_on) >= since)
    done_known = and_(col(Agreement.done_on).is_not(None), col(Agreement.done_on) <= as_of)
    counts = session.execute(
        sa_select(
            group,
            func.count(),
            func.sum(case((col(Agreement.done_on) <= col(Agreement.due_on), 1), else_=0)),
            func.sum(case((~done_known, 1), else_=0)),
        )
        .where(*known, col(Agreement.due_on) < as_of)
        .group_by(group)
    ).all()
    result: dict[int, dict[str, Any]] = {
        g: {"due": due, "on_time": on_time, "overdue": overdue}
        for g, due, on_time, overdue in counts
    }
    for group_id, median in _median_days_late(session, group, known, as_of, done_known):
        result.setdefault(group_id, {})["median_days_late"] = float(median)
    for group_id, sent, unanswered in _checkins(session, group, known, as_of):
        entry = result.setdefault(group_id, {})
        entry["checkins_sent"] = sent
        entry["checkins_unanswered"] = unanswered
    return {g: Measures(**values) for g, values in result.items()}


def _median_days_late(
    session: Session,
    group: Any,
    known: list[ColumnElement[bool]],
    as_of: date,
    done_known: ColumnElement[bool],
) -> list[Any]:
    """The median in SQL with window functions (SQLite has no MEDIAN or PERCENTILE_CONT)."""
    finished = case((done_known, col(Agreement.done_on)), else_=literal(as_of))
    days_late = _days_since_epoch(session, finished) - _days_since_epoch(
        session, col(Agreement.due_on)
    )
    late = (
        sa_select(
            group.label("g"),
            days_late.label("d"),
            func.row_number().over(partition_by=group, order_by=days_late).label("n"),
            func.count().over(partition_by=group).label("c"),
        )
        .where(*known, col(Agreement.due_on) < as_of, days_late > 0)
        .subquery()
    )
    return list(
        session.execute(
            sa_select(late.c.g, func.avg(late.c.d))
            .where(late.c.n.in_([(late.c.c + 1) // 2, (late.c.c + 2) // 2]))
            .group_by(late.c.g)
        ).all()
    )


def _checkins(
    session: Session, group: Any, known: list[ColumnElement[bool]], as_of: date
) -> list[Any]:
    end = datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=UTC)
    answered_after = exists().where(
        col(CheckIn.agreement_id) == col(Agreement.id),
        col(CheckIn.created_at) >= col(Delivery.sent_at),
        col(CheckIn.created_at) < end,
    )
    return list(
        session.execute(
            sa_select(group, func.count(), func.sum(case((~answered_after, 1), else_=0)))
            .select_from(Agreement)
            .join(Delivery, _checkin_of_agreement())
            .where(
                *known,
                col(Delivery.kind) == DeliveryKind.CHECKIN,
                col(Delivery.status) == DeliveryStatus.SENT,
                col(Delivery.sent_at) < end,
            )
            .group_by(group)
        ).all()
    )
