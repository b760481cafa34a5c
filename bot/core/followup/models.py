"""The followup tables."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class Agreement(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("alliance_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    key: str
    text: str = text_column()
    owner_partner_id: int = Field(foreign_key="partner.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    made_on: date
    due_on: date
    done_on: date | None = None
    status: str = "open"  # open | on_track | stuck | done | dropped
    owner_person_id: int | None = Field(default=None, foreign_key="person.id")
    source: str | None = None  # where it was made: a meeting, "csv", "chat", "slack"
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CheckIn(SQLModel, table=True):
    """A status update on an agreement, from a button, a command or the CSV."""

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    status: str  # on_track | delayed | done | stuck
    note: str | None = text_column(nullable=True)
    created_at: datetime = Field(default_factory=utcnow)
