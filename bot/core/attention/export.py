"""Regional signals for the national table: `alliancebot signals list --json|--csv`.

The national table reads what the regions bring in outside the chat, so the list carries
what a signal says and where it comes from, never who sent an anonymous one: there is no
sender field at all, and the region of an anonymous signal is shown only where enough
ambassadors work in that region that naming it does not name the writer (the same rule the
pulse applies before it passes on an open answer).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.attention.flags import checked_at, explanation, open_flags
from bot.core.attention.models import FlagFamily, Signal
from bot.core.kernel import Alliance, Person, Region, Role, iso_local

SIGNAL_FIELDS = ("id", "created_at", "region", "kind", "text", "status", "anonymous")


def stored_flag_rows(
    session: Session, alliance: Alliance, families: Sequence[FlagFamily], language: str
) -> tuple[datetime | None, list[dict[str, Any]]]:
    """The open flags of `families` as detection last left them, and when that was (None:
    never), as `agreements flags --json` shows them; each row says its `as_of` too.

    Reading runs no detection: the numbers are the stored ones, so the list costs one
    query however many agreements and check-ins there are."""
    moment = checked_at(session, alliance, families)
    as_of = iso_local(moment, alliance.timezone)
    rows = [
        {
            "level": flag.level,
            "key": flag.key,
            "kind": flag.kind,
            "since": flag.since.isoformat(),
            "explanation": explanation(flag, language),
            "numbers": flag.detail.get("numbers", {}),
            "as_of": as_of,
        }
        for flag in open_flags(session, alliance)
        if flag.family in families
    ]
    return moment, rows


def _crowded_regions(session: Session, alliance: Alliance) -> set[int]:
    """Regions with at least `min_group_size` active ambassadors."""
    counts: dict[int, int] = {}
    for person in session.exec(
        select(Person).where(Person.alliance_id == alliance.id, col(Person.active))
    ):
        if person.region_id is not None and Role.AMBASSADOR in person.role_set:
            counts[person.region_id] = counts.get(person.region_id, 0) + 1
    return {region for region, n in counts.items() if n >= alliance.min_group_size}


def signal_rows(
    session: Session, alliance: Alliance, since: date | None = None
) -> list[dict[str, Any]]:
    """The alliance's signals, oldest first, as `signals list --json` shows them; `since` is
    a day in the alliance's time zone (signals from that day on)."""
    zone = ZoneInfo(alliance.timezone)
    query = select(Signal).where(Signal.alliance_id == alliance.id)
    if since is not None:
        query = query.where(col(Signal.created_at) >= datetime.combine(since, time(), zone))
    regions = {
        r.id: r.key for r in session.exec(select(Region).where(Region.alliance_id == alliance.id))
    }
    crowded = _crowded_regions(session, alliance)
    rows = []
    for signal in session.exec(query.order_by(col(Signal.created_at), col(Signal.id))):
        shown = signal.region_id is not None and (
            not signal.anonymous or signal.region_id in crowded
        )
        rows.append(
            {
                "id": signal.id,
                "created_at": iso_local(signal.created_at, zone),
                "region": regions.get(signal.region_id) if shown else None,
                "kind": None,  # signals have no kinds yet; the field is part of the contract
                "text": signal.text,
                "status": signal.status,
                "anonymous": signal.anonymous,
            }
        )
    return rows


def signals_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The same rows as CSV, with the JSON's field names as the header row; an empty cell
    where JSON has null, and `true`/`false` for `anonymous`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SIGNAL_FIELDS)
    for row in rows:
        writer.writerow([_cell(row[field]) for field in SIGNAL_FIELDS])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
