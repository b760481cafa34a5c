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

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.core.attention.models import Flag, FlagCheck, FlagFamily, FlagKind, FlagLevel
from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Button,
    Person,
    Role,
    Texts,
    Verb,
    language_of,
    utcnow,
)
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_delivery, plan_many

GRACE = timedelta(days=28)
MAX_NOTE = 1000
ACK = Verb("fk")


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


def open_flags(session: Session, alliance: Alliance, limit: int | None = None) -> list[Flag]:
    """Open episodes, oldest first; the first `limit` only, for a view that shows so many."""
    return list(
        session.exec(
            select(Flag)
            .where(Flag.alliance_id == alliance.id, col(Flag.ended_at).is_(None))
            .order_by(col(Flag.raised_at), col(Flag.id))
            .limit(limit)
        ).all()
    )


def count_open_flags(session: Session, alliance: Alliance) -> int:
    return session.exec(
        select(func.count())
        .select_from(Flag)
        .where(Flag.alliance_id == alliance.id, col(Flag.ended_at).is_(None))
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
        _announce(session, alliance, flag, now)
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


def explanation(flag: Flag, language: str) -> str:
    texts: dict[str, str] = flag.detail.get("explanations", {})
    return texts.get(language) or next(iter(texts.values()), flag.key)


def ack_button(texts: Texts, flag: Flag, number: int | None = None) -> Button:
    """Under a list of flags, the button says which one it marks: "… · 2"."""
    label = texts.gettext("Seen, we are on it")
    if number is not None:
        label = f"{label} · {number}"
    return Button(label, ACK.action(flag.id or 0))


def _announce(session: Session, alliance: Alliance, flag: Flag, now: datetime) -> None:
    """Tell the advisers once: their channel if the alliance has one, else each adviser."""
    if alliance.adviser_channel:
        texts = Texts(alliance.language)
        plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=f"flag:{flag.id}",
                kind=DeliveryKind.FLAG,
                body=texts.render("flag_notice", text=explanation(flag, texts.language)),
                due_at=now,
                channel=alliance.adviser_channel,
                buttons=(ack_button(texts, flag),),
                subject=Subject(flag_id=flag.id),
            ),
        )
        return
    advisers = session.exec(
        select(Person).where(Person.alliance_id == alliance.id, col(Person.active))
    ).all()
    plans = []
    for person in advisers:
        if Role.ADVISER not in person.role_set:
            continue
        texts = Texts(language_of(person, alliance))
        plans.append(
            Plan(
                dedupe_key=f"flag:{flag.id}:{person.id}",
                kind=DeliveryKind.FLAG,
                body=texts.render("flag_notice", text=explanation(flag, texts.language)),
                due_at=now,
                person=person,
                buttons=(ack_button(texts, flag),),
                subject=Subject(flag_id=flag.id),
            )
        )
    plan_many(session, alliance, plans)  # one batch for all advisers


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
