"""One-time invites that link a chat account to a person of the alliance.

A code carries 96 bits of randomness, works once, expires after 14 days, and is stored only
as a SHA-256 hash. Redeeming never says more than it must: a used, expired or unknown code
gets the same kind of polite answer and links nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlmodel import Session, select

from bot.core.alliance.models import Invite
from bot.core.kernel import AuditEvent, Identity, Person, Platform, utcnow

VALID_FOR = timedelta(days=14)
CODE_BYTES = 12  # 96 bits; the URL-safe text is 16 characters, inside Telegram's 64


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_invite(session: Session, person: Person, platform: str = Platform.TELEGRAM) -> str:
    """A fresh code for `person`; earlier unused codes stay valid until they expire."""
    code = secrets.token_urlsafe(CODE_BYTES)
    now = utcnow()
    session.add(
        Invite(
            person_id=person.id or 0,
            platform=platform,
            code_hash=_hash(code),
            created_at=now,
            expires_at=now + VALID_FOR,
        )
    )
    session.add(
        AuditEvent(
            alliance_id=person.alliance_id,
            actor="operator",
            action="invite.created",
            detail={"person": person.key, "platform": platform},
        )
    )
    return code


Outcome = Literal["linked", "already_linked", "unknown", "used", "expired", "taken"]


@dataclass(frozen=True)
class Redeemed:
    outcome: Outcome
    person: Person | None = None


def redeem_invite(session: Session, code: str, platform: str, external_id: str) -> Redeemed:
    """Link the account that sent `code` to the invited person, once."""
    linked = session.exec(
        select(Identity).where(Identity.platform == platform, Identity.external_id == external_id)
    ).first()
    invite = (
        session.exec(select(Invite).where(Invite.code_hash == _hash(code))).first()
        if 8 <= len(code) <= 64
        else None
    )
    if invite is None or invite.platform != platform:
        return Redeemed("unknown")
    person = session.get(Person, invite.person_id)
    if person is None or not person.active:
        return Redeemed("unknown")
    if linked is not None:
        if linked.person_id == person.id:
            return Redeemed("already_linked", person)
        return Redeemed("taken")
    if invite.used_at is not None:
        return Redeemed("used")
    now = utcnow()
    if invite.expires_at <= now:
        return Redeemed("expired")
    invite.used_at = now
    session.add(Identity(person_id=person.id or 0, platform=platform, external_id=external_id))
    session.add(
        AuditEvent(
            alliance_id=person.alliance_id,
            actor=person.key,
            action="invite.redeemed",
            detail={"platform": platform},
        )
    )
    return Redeemed("linked", person)
