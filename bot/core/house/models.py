"""The house tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class ProposalState(StrEnum):
    """Where a proposal stands. (Not `ProposalStatus`: that name is the live tally of a
    proposal's answers in `bot.core.house.proposals`.)"""

    OPEN = "open"
    ADOPTED = "adopted"
    REPLACED = "replaced"  # its proposer opened another one instead
    WITHDRAWN = "withdrawn"


class EndorsementVerdict(StrEnum):
    """A partner's answer to a proposal."""

    ENDORSE = "endorse"
    OBJECT = "object"


class HouseVersion(SQLModel, table=True):
    """An adopted version of the message house; versions are never overwritten."""

    __table_args__ = (UniqueConstraint("alliance_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    version: int
    roof: str = text_column()
    adopted_at: datetime = Field(default_factory=utcnow)
    proposed_by_id: int | None = Field(default=None, foreign_key="person.id")
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    source: str = "proposal"  # proposal | alliance_file
    reason: str | None = text_column(nullable=True)


class Pillar(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    house_version_id: int = Field(foreign_key="houseversion.id", index=True)
    position: int
    title: str
    message: str = text_column()


class ProofPoint(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pillar_id: int = Field(foreign_key="pillar.id", index=True)
    position: int
    text: str = text_column()


class Proposal(SQLModel, table=True):
    """A proposed next version of the house, waiting for the partners' consent."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    base_version: int
    roof: str = text_column()
    pillars: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    reason: str = text_column()
    status: str = ProposalState.OPEN  # a `ProposalState`
    proposed_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class Endorsement(SQLModel, table=True):
    """A partner's answer to a proposal: one per partner, whoever of its advisers gave it."""

    __table_args__ = (UniqueConstraint("proposal_id", "partner_id"),)
    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="proposal.id", index=True)
    partner_id: int = Field(foreign_key="partner.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    verdict: str = EndorsementVerdict.ENDORSE  # an `EndorsementVerdict`
    reason: str | None = text_column(nullable=True)
    created_at: datetime = Field(default_factory=utcnow)


class PartnerNote(SQLModel, table=True):
    """How a pillar translates for one partner's constituency, in that partner's words.

    Keyed by the pillar's title, so a note follows its pillar through new versions of the
    house as long as the pillar keeps its name."""

    __table_args__ = (UniqueConstraint("partner_id", "pillar_title"),)
    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    pillar_title: str
    text: str = text_column()
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow)
