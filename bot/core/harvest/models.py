"""The harvest table."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class Harvest(SQLModel, table=True):
    """What a finished agreement (or a piece of local work) brought: a sentence and, where
    there is one, a figure. Credited to a partner, so each partner's contribution shows."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    agreement_id: int | None = Field(default=None, foreign_key="agreement.id", index=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    person_id: int | None = Field(default=None, foreign_key="person.id")
    text: str = text_column()
    figure: float | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # the message-house proposal it became a proof point in (once a coordinator chose so)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
