"""The attention tables."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class FlagFamily(StrEnum):
    """What declines: episodes of different families never end each other."""

    FOLLOW_UP = "follow_up"
    ENERGY = "energy"
    TRUST = "trust"


class FlagLevel(StrEnum):
    """Which group a flag is about (its `key` names the partner or region)."""

    ALLIANCE = "alliance"
    PARTNER = "partner"
    REGION = "region"


class FlagKind(StrEnum):
    """What the advisers are told; the words are the contract (`agreements flags --json`)."""

    DECLINING_FOLLOW_UP = "declining_follow_up"
    PSEUDO_COOPERATION = "pseudo_cooperation"  # agreements keep being made, not kept
    ENERGY_DROP = "energy_drop"
    TRUST_DROP = "trust_drop"


class SignalStatus(StrEnum):
    """A regional signal on its way to the national table and back to its sender."""

    NEW = "new"
    ON_AGENDA = "on_agenda"
    ANSWERED = "answered"


class Flag(SQLModel, table=True):
    """A trend worth an adviser's attention, kept as an *episode*.

    One row per episode of one group's decline (follow-up or pulse), so that a flag is told
    to the advisers once, can be acknowledged with a note, and is not raised again while the
    same decline goes on. When detection stops firing the episode ends (`ended_at`); a
    decline that returns within a short grace is the same episode, later it is a new one."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    family: str  # a `FlagFamily`: what declines
    level: str  # a `FlagLevel`
    key: str  # the partner's or region's key ("alliance" for the whole)
    kind: str  # a `FlagKind`
    since: date
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    raised_at: datetime = Field(default_factory=utcnow)
    last_seen: date
    ended_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = Field(default=None, foreign_key="person.id")
    note: str | None = text_column(nullable=True)


class FlagCheck(SQLModel, table=True):
    """When detection of one family last ran for an alliance: the moment its stored flags
    are "as of". A read shows the flags as detection left them, never detecting again, so
    it must be able to say how old they are (and that detection never ran, when it did not).
    Kept here rather than in the clock's `JobRun` ledger: flags are also refreshed by hand
    (`jobs run flags`) and by closing a pulse round, which that ledger does not see, and the
    ledger knows no alliance."""

    __table_args__ = (UniqueConstraint("alliance_id", "family"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id")
    family: str  # a `FlagFamily`
    checked_at: datetime


class Signal(SQLModel, table=True):
    """A regional signal from an ambassador, on its way to the national table and back."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    text: str = text_column()
    anonymous: bool = False
    status: str = SignalStatus.NEW  # a `SignalStatus`
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
