"""The attention tables."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class Flag(SQLModel, table=True):
    """A trend worth an adviser's attention, kept as an *episode*.

    One row per episode of one group's decline (follow-up or pulse), so that a flag is told
    to the advisers once, can be acknowledged with a note, and is not raised again while the
    same decline goes on. When detection stops firing the episode ends (`ended_at`); a
    decline that returns within a short grace is the same episode, later it is a new one."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    family: str  # follow_up | energy | trust: what declines
    level: str  # alliance | partner | region
    key: str  # the partner's or region's key ("alliance" for the whole)
    kind: str  # declining_follow_up | pseudo_cooperation | energy_drop | trust_drop
    since: date
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    raised_at: datetime = Field(default_factory=utcnow)
    last_seen: date
    ended_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = Field(default=None, foreign_key="person.id")
    note: str | None = text_column(nullable=True)


class Signal(SQLModel, table=True):
    """A regional signal from an ambassador, on its way to the national table and back."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    text: str = text_column()
    anonymous: bool = False
    status: str = "new"  # new | on_agenda | answered
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
