"""The agenda tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class AgendaItem(SQLModel, table=True):
    """One moment in a partner's calendar (an occurrence, for recurring events)."""

    __table_args__ = (UniqueConstraint("partner_id", "uid"),)
    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    uid: str  # event UID plus occurrence start, stable across re-imports
    title: str = text_column()
    kind: str = "other"  # newsletter | board | council | members | event | campaign | other
    starts_at: datetime = Field(index=True)
    ends_at: datetime | None = None
    all_day: bool = False
    cancelled: bool = False
    source: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)
