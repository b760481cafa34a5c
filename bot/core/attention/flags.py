"""Flags as episodes: raised once, acknowledged with a note, not raised again meanwhile.

Detection (`bot.core.followup`, `bot.core.pulse`) answers "is this group declining today?" from the
numbers alone, every time it runs. Advisers need something else: to hear about a decline
once, to say "seen, we are talking to them" and then not be told again every day while the
same decline goes on. So each detection is matched to an *episode* (a `Flag` row per group
and family): a new episode plans one notice through the outbox; a continuing one only
updates its numbers; when detection stops, the episode ends. A decline that comes back
within `GRACE` is the same episode (detection near a threshold flickers), so it is not
announced again and keeps its acknowledgement; after that it is news again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, not_, or_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.core.attention.models import Flag, FlagCheck, FlagFamily, FlagKind, FlagLevel
from bot.core.attention.notices import ACK as ACK  # long imported from here
from bot.core.attention.notices import ack_button as ack_button
from bot.core.attention.notices import announce, own_partner_key, private_condition
from bot.core.attention.notices import explanation as explanation
from bot.core.kernel import Alliance, AuditEvent, Person, is_coordinator, utcnow

GRACE = timedelta(days=28)
MAX_NOTE = 1000


@dataclass(frozen=True)
class Detected:
    """One group's decline as detection sees it today; `explain` words it per language."""

    family: FlagFamily
    level: FlagLevel
    key: str
    kind: FlagKind
    since: date
    explanations: dict[str, str]  # language -> plain text with the numbers
    numbers: dict[str, Any] = field(default_factory=dict)


def audience(
    session: Session, reader: Person | None, shared_only: bool = False
) -> list[ColumnElement[bool]]:
    """Which open flags a list shows: every one to an operator (`reader` None); only shared
    ones to a shared view (`shared_only`: the channel, the digest); to an adviser also the
    private ones of their own partner, to a coordinator every one."""
    if shared_only:
        return [not_(private_condition())]
    if reader is None or is_coordinator(session, reader):
        return []
    own = own_partner_key(session, reader)
    if own is None:
        return [not_(private_condition())]
    return [or_(not_(private_condition()), col(Flag.key) == own)]


def open_flags(
    session: Session,
    alliance: Alliance,
    limit: int | None = None,
    reader: Person | None = None,
    shared_only: bool = False,
) -> list[Flag]:
    """Open episodes, oldest first, as `audience` lets them be seen; the first `limit`
    only, for a view that shows so many."""
    return list(
        session.exec(
            select(Flag)
            .where(
                Flag.alliance_id == alliance.id,
                col(Flag.ended_at).is_(None),
                *audience(session, reader, shared_only),
            )
            .order_by(col(Flag.raised_at), col(Flag.id))
            .limit(limit)
        ).all()
    )


def count_open_flags(
    session: Session, alliance: Alliance, reader: Person | None = None, shared_only: bool = False
) -> int:
    return session.exec(
        select(func.count())
        .select_from(Flag)
        .where(
            Flag.alliance_id == alliance.id,
            col(Flag.ended_at).is_(None),
            *audience(session, reader, shared_only),
        )
    ).one()


def partners_in_conversation(session: Session, alliance: Alliance) -> int:
    """How many partners have a private, open follow-up episode: the digest tells only this
    number, never who or with which numbers."""
    return session.exec(
        select(func.count(func.distinct(Flag.key))).where(
            Flag.alliance_id == alliance.id, col(Flag.ended_at).is_(None), private_condition()
        )
    ).one()


def sync_flags(
    session: Session,
    alliance: Alliance,
    families: Sequence[FlagFamily],
    detected: Sequence[Detected],
    now: datetime | None = None,
) -> list[Flag]:
    """Match today's detections of `families` to episodes; returns the newly raised ones.

    Only the given families are ended when no longer detected, so follow-up and pulse can
    be evaluated at different moments without ending each other's flags."""
    now = now or utcnow()
    today = now.date()
    current = {
        (f.family, f.level, f.key): f
        for f in session.exec(
            select(Flag).where(
                Flag.alliance_id == alliance.id,
                col(Flag.family).in_(families),
                (col(Flag.ended_at).is_(None)) | (col(Flag.ended_at) >= now - GRACE),
            )
        ).all()
    }
    raised: list[Flag] = []
    seen: set[tuple[str, str, str]] = set()
    for found in detected:
        identity: tuple[str, str, str] = (found.family, found.level, found.key)
        seen.add(identity)
        flag = current.get(identity)
        if flag is None:
            flag = Flag(
                alliance_id=alliance.id or 0,
                family=found.family,
                level=found.level,
                key=found.key,
                kind=found.kind,
                since=found.since,
                last_seen=today,
                raised_at=now,
            )
            session.add(flag)
            raised.append(flag)
        flag.kind = found.kind
        flag.last_seen = today
        flag.ended_at = None
        flag.detail = {"explanations": found.explanations, "numbers": found.numbers}
    for identity, flag in current.items():
        if identity not in seen and flag.ended_at is None:
            flag.ended_at = now
    _record_check(session, alliance, families, now)
    session.flush()
    for flag in raised:
        announce(session, alliance, flag, now)
    return raised


def _record_check(
    session: Session, alliance: Alliance, families: Sequence[FlagFamily], now: datetime
) -> None:
    """Remember that detection of `families` ran now, for the reads that show its result."""
    checks = {
        c.family: c
        for c in session.exec(
            select(FlagCheck).where(
                FlagCheck.alliance_id == alliance.id, col(FlagCheck.family).in_(families)
            )
        )
    }
    for family in families:
        check = checks.get(family) or FlagCheck(
            alliance_id=alliance.id or 0, family=family, checked_at=now
        )
        check.checked_at = now
        session.add(check)


def checked_at(
    session: Session, alliance: Alliance, families: Sequence[FlagFamily]
) -> datetime | None:
    """The moment the stored flags of `families` are as of; None while one never ran.

    The earliest of them, so a list is never claimed fresher than its oldest part."""
    moments = session.exec(
        select(FlagCheck.checked_at).where(
            FlagCheck.alliance_id == alliance.id, col(FlagCheck.family).in_(families)
        )
    ).all()
    return min(moments) if len(moments) == len(set(families)) else None


def acknowledge(session: Session, flag: Flag, person: Person, note: str | None) -> None:
    """An adviser has seen it; the note (what they will do) is for the other advisers."""
    flag.acknowledged_at = flag.acknowledged_at or utcnow()
    flag.acknowledged_by_id = flag.acknowledged_by_id or person.id
    if note:
        flag.note = note.strip()[:MAX_NOTE]
    session.add(
        AuditEvent(
            alliance_id=flag.alliance_id,
            actor=person.key,
            action="flag.acknowledged",
            detail={"flag": flag.id, "note": bool(note)},
        )
    )
