"""The outbox tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class DeliveryStatus(StrEnum):
    """Where a delivery is in its life. Stored as plain text: the values are the contract
    (`outbox --json` counts by them), the enum keeps the code from misspelling them."""

    PENDING = "pending"  # planned, waiting for its due time (or a retry)
    SENDING = "sending"  # claimed by a worker that is calling the platform
    SENT = "sent"
    FAILED = "failed"  # gave up: attempts used up, or the recipient is gone
    EXPIRED = "expired"  # due only after it stopped mattering (a closed poll)
    SKIPPED = "skipped"  # nobody left to send it to (archived person, lost account)
    CANCELLED = "cancelled"  # its planner withdrew it (answered, moved, closed)


class DeliveryKind(StrEnum):
    """What sort of message a delivery is; planners choose it, the queries filter on it."""

    PULSE = "pulse"  # the invitation to answer a pulse round
    REMINDER = "reminder"  # a reminder to answer a pulse round
    SNIPPET = "snippet"  # a toolkit text timed to a partner's agenda
    CHECKIN = "checkin"  # a question about an agreement around its due date
    HOUSE = "house"  # about the message house: a proposal, an objection, a new version
    FLAG = "flag"  # a trend worth the advisers' attention
    SIGNAL = "signal"  # a regional signal, and what became of it
    DIGEST = "digest"  # the advisers' weekly digest
    NOTICE = "notice"  # anything else told once (help asked, results, unreachable people)


class Delivery(SQLModel, table=True):
    """One unsolicited message in the outbox. `dedupe_key` makes planning idempotent."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int | None = Field(default=None, foreign_key="alliance.id", index=True)
    dedupe_key: str = Field(unique=True)
    kind: str  # a `DeliveryKind`
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    channel: str | None = None  # a Slack channel, for messages to the advisers' channel
    platform: str  # a `Platform`
    body: str = text_column()  # neutral small markup
    buttons: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON))
    # one PNG sent along with the text (a chart), and the words that stand in for it
    image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    image_alt: str | None = text_column(nullable=True)
    due_at: datetime = Field(index=True)
    expires_at: datetime | None = None  # not worth sending after this (a closed poll)
    urgent: bool = False  # may be sent in quiet hours; only where the planner says so
    held_back: bool = False  # moved to a later week by the weekly cap; the message says so
    status: str = Field(default=DeliveryStatus.PENDING, index=True)  # a `DeliveryStatus`
    attempts: int = 0
    last_error: str | None = text_column(nullable=True)
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    # the platform's message ids once sent; while still pending, the ids of the text that
    # already went out, so that a retry only sends the image (see `bot.worker`)
    platform_message_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class WorkerHeartbeat(SQLModel, table=True):
    """A running worker. Several workers share the platforms' rate limits between them,
    and the rows a dead worker had claimed are handed back when its heartbeat stops."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    started_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow, index=True)
