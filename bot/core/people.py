"""Who is asking: finding people by key, and their language and time zone."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.core.models import Alliance, Person
from bot.core.texts import normalise_language


def person_by_key(session: Session, alliance_id: int, key: str) -> Person | None:
    return session.exec(
        select(Person).where(
            Person.alliance_id == alliance_id,
            Person.key == key,
            Person.active == True,  # noqa: E712
        )
    ).first()


def language_of(person: Person | None, alliance: Alliance) -> str:
    """The person's own choice, else the alliance's language."""
    fallback = normalise_language(alliance.language)
    return normalise_language(person.language if person else None, fallback)


def timezone_of(person: Person, alliance: Alliance) -> str:
    return person.timezone or alliance.timezone
