"""The reflection tables: the alliance's phase over time, and its learning agenda."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class Phase(StrEnum):
    """Where the alliance is; alliances move back and forth between these."""

    START = "start"  # get to know each other, shared values, working agreements
    DISCOVER = "discover"  # discover and learn: a learning agenda, reflect and share
    PRODUCTIVE = "productive"  # harvest, use each other's strengths, critical questions
    RENEW = "renew"  # reinvent when results fail to come or the context changes


class PhaseSource(StrEnum):
    ALLIANCE_FILE = "alliance_file"
    DECISION = "decision"  # adopted by the partners' consent


class PhaseChange(SQLModel, table=True):
    """The alliance entered `phase` at `since`; the newest row is the current phase."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    phase: str  # a `Phase`
    since: datetime = Field(default_factory=utcnow)
    source: str = PhaseSource.ALLIANCE_FILE  # a `PhaseSource`
    decision_id: int | None = Field(default=None, foreign_key="decision.id")
    reason: str | None = text_column(nullable=True)


class LearningItem(SQLModel, table=True):
    """Something the alliance wants to learn this period; closed with what was learned,
    and kept."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    text: str = text_column()
    added_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    lesson: str | None = text_column(nullable=True)
    closed_by_id: int | None = Field(default=None, foreign_key="person.id")
