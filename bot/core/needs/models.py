"""The intake's tables: versioned partner profiles, answers in progress, individual interests."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class ProfileField(StrEnum):
    """The intake's questions, in the order they are asked; the values are the JSON names."""

    NEEDS = "needs"  # what the organisation needs from the alliance
    BRINGS = "brings"  # what it brings: time, money, knowledge, network
    OWN_GOAL = "own_goal"  # its own goal in this alliance
    INTERESTS = "interests"  # the organisational interests at stake
    CONSTITUENCY_NEEDS = "constituency_needs"  # what its constituency needs to take steps
    NO_GO = "no_go"
    PROUD_OF = "proud_of"


FIELDS: tuple[ProfileField, ...] = tuple(ProfileField)


class PartnerProfile(SQLModel, table=True):
    """One version of a partner's intake: a new row per finished intake, never an edit, so
    what a partner said earlier stays readable. `shared` names the fields the partner lets
    the coalition see; every other answer stays with its advisers and the coordinators."""

    __table_args__ = (UniqueConstraint("partner_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    version: int
    person_id: int | None = Field(default=None, foreign_key="person.id")  # who answered
    needs: str = text_column()
    brings: str = text_column()
    own_goal: str = text_column()
    interests: str = text_column()
    constituency_needs: str = text_column()
    no_go: str = text_column()
    proud_of: str = text_column()
    shared: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    created_at: datetime = Field(default_factory=utcnow)

    def answer(self, name: str) -> str:
        value = getattr(self, name, "") if name in FIELDS else ""
        return str(value or "")


class IntakeDraft(SQLModel, table=True):
    """An intake under way, one per person: the answers so far and the question asked now
    (`step`, a `ProfileField` value, or "individual"); `asking_share` while the person
    chooses whether the coalition may see the answer just given."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    partner_id: int = Field(foreign_key="partner.id")
    step: str
    asking_share: bool = False
    answers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    shared: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    started_at: datetime = Field(default_factory=utcnow)


class IndividualInterest(SQLModel, table=True):
    """What drives a person at the table (the individual interest): seen only by that
    person and the coordinators, never part of the partner's profile."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    text: str = text_column()
    updated_at: datetime = Field(default_factory=utcnow)
