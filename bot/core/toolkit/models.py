"""The toolkit tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class ToolkitSnippet(SQLModel, table=True):
    """Ready-made text for partners; `body` is a user-written template (sandboxed)."""

    __table_args__ = (UniqueConstraint("alliance_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    key: str
    title: str
    body: str = text_column()
    language: str = "nl"
    agenda_kinds: str = ""  # comma-separated agenda item kinds this snippet is timed to
    days_before: int = 7
    kind: str = "newsletter_item"  # newsletter_item | social_post | intranet_item | board_memo | …
    pillar: int | None = None  # the pillar's position in the house, if the snippet carries one
    max_length: int | None = None  # characters; None: the kind's own limit
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)


class ToolkitFeedback(SQLModel, table=True):
    """What a partner did with a delivered snippet: used, adapted or not relevant."""

    __table_args__ = (UniqueConstraint("delivery_id"),)
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id")
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")  # who said so, last
    snippet_key: str
    verdict: str  # used | adapted | not_relevant
    at: datetime = Field(default_factory=utcnow)
