"""The pulse tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import Role, text_column, utcnow


class RoundKind(StrEnum):
    PULSE = "pulse"  # energy, trust and one lens statement in turn
    LENS_CHECK = "lens_check"  # energy, trust and two statements for each of the five lenses


class PulseRound(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    opened_at: datetime = Field(default_factory=utcnow)
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    audience: str = Role.AMBASSADOR  # comma-separated `Role` values
    kind: str = RoundKind.PULSE  # a `RoundKind`


class PulseQuestion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("round_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pulseround.id", index=True)
    position: int
    key: str  # energy | trust | a question-bank key | open
    kind: str = "scale"  # scale (1-5) | open


class PulseAnswer(SQLModel, table=True):
    """One person's answer. Never shown individually; group snapshots make trends stable."""

    __table_args__ = (UniqueConstraint("question_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="pulsequestion.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    value: int | None = None
    text: str | None = text_column(nullable=True)
    answered_at: datetime = Field(default_factory=utcnow)
