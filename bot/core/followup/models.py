"""The followup tables."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class AgreementStatus(StrEnum):
    """Where an agreement stands (stored as plain text; the CSV's `status` column uses the
    same words)."""

    OPEN = "open"
    ON_TRACK = "on_track"
    STUCK = "stuck"
    DONE = "done"
    DROPPED = "dropped"


class CheckInStatus(StrEnum):
    """An answer to a check-in (stored as plain text). `delayed` comes from older data and
    imports; the buttons give done, on track, stuck and need help."""

    DONE = "done"
    ON_TRACK = "on_track"
    STUCK = "stuck"
    NEED_HELP = "need_help"
    DELAYED = "delayed"


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
    status: str = AgreementStatus.OPEN  # an `AgreementStatus`
    owner_person_id: int | None = Field(default=None, foreign_key="person.id")
    source: str | None = None  # where it was made: a meeting, "csv", "chat", "slack"
    note: str | None = text_column(nullable=True)  # the CSV's `note` column
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CheckIn(SQLModel, table=True):
    """A status update on an agreement, from a button, a command or the CSV."""

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    status: str  # a `CheckInStatus`
    note: str | None = text_column(nullable=True)
    created_at: datetime = Field(default_factory=utcnow)


class ChangeKind(StrEnum):
    """How an agreement was renegotiated (stored as plain text)."""

    MOVED = "moved"  # a new due date
    DROPPED = "dropped"  # consciously let go
    REOPENED = "reopened"  # a dropped agreement taken up again (an import said `open`)


class AgreementChange(SQLModel, table=True):
    """One renegotiation of an agreement: kept for good, so its history shows every move and
    why, also after an undo (which marks the row, never deletes it)."""

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    kind: str  # a `ChangeKind`
    old_due: date
    new_due: date
    old_status: str
    new_status: str
    reason: str = text_column()
    person_id: int | None = Field(default=None, foreign_key="person.id")
    actor: str  # a person's key, or "csv" / "operator"
    created_at: datetime = Field(default_factory=utcnow)
    undone_at: datetime | None = None
    undone_by: str | None = None
