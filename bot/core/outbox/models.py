"""The outbox tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class Delivery(SQLModel, table=True):
    """One unsolicited message in the outbox. `dedupe_key` makes planning idempotent."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int | None = Field(default=None, foreign_key="alliance.id", index=True)
    dedupe_key: str = Field(unique=True)
    kind: str  # pulse | reminder | snippet | flag | digest | notice | signal
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    channel: str | None = None  # a Slack channel, for messages to the advisers' channel
    platform: str  # slack | telegram | console
    body: str = text_column()  # neutral small markup
    buttons: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON))
    # one PNG sent along with the text (a chart), and the words that stand in for it
    image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    image_alt: str | None = text_column(nullable=True)
    due_at: datetime = Field(index=True)
    expires_at: datetime | None = None  # not worth sending after this (a closed poll)
    urgent: bool = False  # may be sent in quiet hours; only where the planner says so
    held_back: bool = False  # moved to a later week by the weekly cap; the message says so
    status: str = Field(default="pending", index=True)
    # pending | sending | sent | failed | expired | skipped
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
