"""The consent tables: a decision the partners take together, and each partner's answer."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class DecisionKind(StrEnum):
    """What a decision is about; each kind registers what adopting it does
    (`bot.core.consent.kinds.register_kind`)."""

    PHASE = "phase"  # the alliance's phase (start, discover, productive, renew)
    POSITIONING = "positioning"  # how visible the alliance is (monolithic, branded, endorsed)


class DecisionStatus(StrEnum):
    OPEN = "open"
    ADOPTED = "adopted"
    REPLACED = "replaced"  # another proposal of the same kind took its place
    WITHDRAWN = "withdrawn"


class Verdict(StrEnum):
    """A partner's answer to a proposal."""

    ENDORSE = "endorse"
    OBJECT = "object"


class Decision(SQLModel, table=True):
    """A proposal that partners endorse or object to, partner by partner; at most one open
    per kind. Adopted decisions are the kind's history (never overwritten)."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    kind: str = Field(index=True)  # a `DecisionKind`
    value: str  # what is proposed, in the kind's own words (a phase name, a positioning)
    reason: str = text_column()
    status: str = Field(default=DecisionStatus.OPEN, index=True)  # a `DecisionStatus`
    proposed_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)
    decided_at: datetime | None = None


class DecisionAnswer(SQLModel, table=True):
    """A partner's answer: one per partner, whoever of its advisers gave it; replaceable
    while the decision is open."""

    __table_args__ = (UniqueConstraint("decision_id", "partner_id"),)
    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    partner_id: int = Field(foreign_key="partner.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    verdict: str = Verdict.ENDORSE  # a `Verdict`
    reason: str | None = text_column(nullable=True)
    created_at: datetime = Field(default_factory=utcnow)
