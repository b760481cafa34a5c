"""The spokespeople register."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.core.kernel import utcnow


class Spokesperson(SQLModel, table=True):
    """Who speaks on which topic: a pillar of the message house (by number) or a theme in
    words, for an organisation (a partner, or the alliance itself when `partner_id` is None).
    Press quotes name them instead of a placeholder."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    pillar: int | None = None  # 1-based, as in the house; None: a theme or everything
    theme: str = ""
    name: str
    function: str = ""
    active: bool = True
    added_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
