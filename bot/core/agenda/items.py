"""A partner's agenda in the database: importing its calendar, and what is coming up.

Toolkit snippets are timed to partners' moments (a board meeting, a newsletter deadline, a
council vote), so the agenda must follow the calendar as it changes without planning
anything twice. That is why an import *reconciles* rather than appends: rows are keyed by
(partner, occurrence uid), and `calendars` makes that uid survive a move. One import

* adds rows for new occurrences and updates rows whose occurrence changed (a changed start
  is a *move*: the planner moves the snippets planned for it);
* keeps cancelled occurrences as rows with ``cancelled=True`` (the planner withdraws their
  snippets; nothing is planned for them again);
* deletes rows that are no longer in the calendar *and start in the future* (the planner
  withdraws their snippets); past rows stay, because they are history that reports and
  follow-up may still refer to, and a calendar export often leaves out old events;
* touches nothing at all when the calendar cannot be read: the whole file is parsed before
  the first write, and the caller commits (or rolls back) the one transaction.

Reading is not done here: files and web addresses are the edge's business (`feeds` is the
port it answers through), so the core stays free of I/O, a job can read every calendar
before it writes anything, and tests and the CLI can import bytes they already have.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.core.agenda.calendars import Occurrence, parse_calendar
from bot.core.agenda.models import AgendaItem
from bot.core.kernel import Partner, utcnow

_UID_BATCH = 500  # uids per IN (...) query: well below SQLite's and PostgreSQL's limits


@dataclass(frozen=True)
class AgendaImport:
    """What one import changed; the uids tell the toolkit planner which plans to revisit.

    Every changed row counts once, in this order of precedence: cancelled (it became
    cancelled), moved (its start changed), updated (anything else changed, including a
    cancellation being undone).
    """

    added: int = 0
    moved: int = 0
    updated: int = 0
    removed: int = 0
    cancelled: int = 0
    moved_uids: tuple[str, ...] = ()
    removed_uids: tuple[str, ...] = ()
    cancelled_uids: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.moved or self.updated or self.removed or self.cancelled)


def import_agenda(
    session: Session,
    partner: Partner,
    data: bytes,
    *,
    source: str,
    now: datetime,
    horizon_days: int = 120,
    default_tz: str = "Europe/Amsterdam",
) -> AgendaImport:
    """Bring the partner's agenda rows in line with a calendar file (caller commits).

    The window runs from a day before `now` (so a meeting moved into today is still seen)
    to `horizon_days` after it. Raises `CalendarError` before writing anything.
    """
    if partner.id is None:
        raise ValueError("the partner must be saved before its agenda is imported")
    occurrences = parse_calendar(
        data,
        window_start=now - timedelta(days=1),
        window_end=now + timedelta(days=horizon_days),
        default_tz=default_tz,
    )
    rows = _existing(session, partner.id, now, [o.uid for o in occurrences])
    changes = _apply(session, partner.id, occurrences, rows, source)
    removed = sorted(uid for uid, row in rows.items() if row.starts_at >= now)
    for uid in removed:
        session.delete(rows[uid])
    session.flush()
    return AgendaImport(
        added=changes.added,
        moved=len(changes.moved),
        updated=changes.updated,
        removed=len(removed),
        cancelled=len(changes.cancelled),
        moved_uids=tuple(changes.moved),
        removed_uids=tuple(removed),
        cancelled_uids=tuple(changes.cancelled),
    )


@dataclass
class _Changes:
    added: int = 0
    updated: int = 0
    moved: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)


def _apply(
    session: Session,
    partner_id: int,
    occurrences: list[Occurrence],
    rows: dict[str, AgendaItem],
    source: str,
) -> _Changes:
    """Add new moments and update known ones; what stays in `rows` was not in the file."""
    changes, stamp = _Changes(), utcnow()
    for occurrence in occurrences:
        row = rows.pop(occurrence.uid, None)
        if row is None:
            session.add(_new_row(partner_id, occurrence, source, stamp))
            changes.added += 1
            if occurrence.cancelled:
                changes.cancelled.append(occurrence.uid)
            continue
        change = _update(row, occurrence, source)
        if change is None:
            continue
        row.updated_at = stamp
        session.add(row)
        if change == "cancelled":
            changes.cancelled.append(row.uid)
        elif change == "moved":
            changes.moved.append(row.uid)
        else:
            changes.updated += 1
    return changes


def _existing(
    session: Session, partner_id: int, now: datetime, uids: Sequence[str]
) -> dict[str, AgendaItem]:
    """The rows this import may change: all future ones, and past ones it names."""
    query = select(AgendaItem).where(
        AgendaItem.partner_id == partner_id, col(AgendaItem.starts_at) >= now
    )
    rows = {row.uid: row for row in session.exec(query)}
    wanted = [uid for uid in uids if uid not in rows]
    for i in range(0, len(wanted), _UID_BATCH):
        batch = wanted[i : i + _UID_BATCH]
        query = select(AgendaItem).where(
            AgendaItem.partner_id == partner_id, col(AgendaItem.uid).in_(batch)
        )
        rows.update((row.uid, row) for row in session.exec(query))
    return rows


def _new_row(partner_id: int, occurrence: Occurrence, source: str, stamp: datetime) -> AgendaItem:
    return AgendaItem(
        partner_id=partner_id,
        uid=occurrence.uid,
        title=occurrence.title,
        kind=occurrence.kind,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        all_day=occurrence.all_day,
        cancelled=occurrence.cancelled,
        source=source,
        updated_at=stamp,
    )


def _update(row: AgendaItem, occurrence: Occurrence, source: str) -> str | None:
    """Copy the occurrence onto its row; say what kind of change it was, if any."""
    became_cancelled = occurrence.cancelled and not row.cancelled
    moved = row.starts_at != occurrence.starts_at
    values = {
        "title": occurrence.title,
        "kind": occurrence.kind,
        "starts_at": occurrence.starts_at,
        "ends_at": occurrence.ends_at,
        "all_day": occurrence.all_day,
        "cancelled": occurrence.cancelled,
    }
    row.source = source  # where it came from is bookkeeping, not a change to the moment
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if not changed:
        return None
    if became_cancelled:
        return "cancelled"
    return "moved" if moved else "updated"


def _upcoming_where(ids: list[int], now: datetime, days: int) -> tuple[Any, ...]:
    return (
        col(AgendaItem.partner_id).in_(ids),
        col(AgendaItem.starts_at) >= now,
        col(AgendaItem.starts_at) < now + timedelta(days=days),
        col(AgendaItem.cancelled).is_(False),
    )


def upcoming(
    session: Session,
    partner_ids: Iterable[int],
    now: datetime,
    days: int,
    limit: int | None = None,
) -> list[AgendaItem]:
    """Moments starting from `now` to `days` ahead, earliest first, cancelled ones left out;
    the first `limit` of them only, for a view that shows so many (`count_upcoming` says
    how many there are in all)."""
    ids = list(partner_ids)
    if not ids:
        return []
    query = (
        select(AgendaItem)
        .where(*_upcoming_where(ids, now, days))
        .order_by(col(AgendaItem.starts_at), col(AgendaItem.id))
        .limit(limit)
    )
    return list(session.exec(query))


def count_upcoming(session: Session, partner_ids: Iterable[int], now: datetime, days: int) -> int:
    """How many moments `upcoming` would list without a limit, counted in the database."""
    ids = list(partner_ids)
    if not ids:
        return 0
    query = select(func.count()).select_from(AgendaItem).where(*_upcoming_where(ids, now, days))
    return session.exec(query).one()
