"""Who is asking: finding people by key, and their language and time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from bot.core.kernel.models import Alliance, Identity, Person
from bot.core.kernel.texts import normalise_language


def person_by_key(session: Session, alliance_id: int, key: str) -> Person | None:
    return session.exec(
        select(Person).where(
            Person.alliance_id == alliance_id,
            Person.key == key,
            Person.active == True,  # noqa: E712
        )
    ).first()


def person_by_account(session: Session, platform: str, external_id: str) -> Person | None:
    """The active person behind a chat account, unless the platform said it is gone."""
    return session.exec(
        select(Person)
        .join(Identity, col(Identity.person_id) == col(Person.id))
        .where(
            Identity.platform == platform,
            Identity.external_id == external_id,
            col(Identity.unreachable_since).is_(None),
            col(Person.active),
        )
    ).first()


def language_of(person: Person | None, alliance: Alliance) -> str:
    """The person's own choice, else the alliance's language."""
    fallback = normalise_language(alliance.language)
    return normalise_language(person.language if person else None, fallback)


def timezone_of(person: Person, alliance: Alliance) -> str:
    return person.timezone or alliance.timezone


def local_date(moment: datetime, person: Person, alliance: Alliance) -> date:
    """The day `moment` falls on for this person: a deadline is told in their own zone."""
    return moment.astimezone(ZoneInfo(timezone_of(person, alliance))).date()


def link_by_email(session: Session, platform: str, external_id: str, email: str) -> Person | None:
    """The active person with this e-mail address, now linked to the platform account.

    Slack knows its users' e-mail addresses; an alliance file often lists only those, so the
    first message links the account once and later ones find it by `person_by_account`.
    Only a person without an account on this platform yet is linked: one who has one
    already (from the alliance file, or an earlier link) is not handed to a second account
    that merely shows the same address (a shared mailbox, a reused address, an alias).
    An account that was marked unreachable still counts: relinking it is the adviser's
    decision, made in the alliance file. Nor is an account that already belongs to
    someone (archived, or unreachable) moved to another person."""
    taken = session.exec(
        select(Identity).where(Identity.platform == platform, Identity.external_id == external_id)
    ).first()
    if taken is not None:
        return None
    has_account = select(Identity.person_id).where(Identity.platform == platform)
    match = session.exec(
        select(Person)
        .where(
            func.lower(Person.email) == email.lower(),
            col(Person.active),
            col(Person.id).not_in(has_account),
        )
        .order_by(col(Person.id))
    ).first()
    if match is None:
        return None
    session.add(Identity(person_id=match.id or 0, platform=platform, external_id=external_id))
    return match
