"""The alliance tables."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.core.kernel import Platform, utcnow


class Invite(SQLModel, table=True):
    """A one-time link to connect a chat account to a person. Only the code's hash is kept,
    so a leaked database cannot be used to take over someone's place in the alliance."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = Platform.TELEGRAM  # a `Platform`
    code_hash: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None
