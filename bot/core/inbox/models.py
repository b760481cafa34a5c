"""The inbox table: every update a platform delivered, stored before it is acknowledged."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.core.kernel import text_column, utcnow


class InboundStatus(StrEnum):
    PENDING = "pending"  # stored; being handled, or waiting for another try
    DONE = "done"  # handled: its effect was committed together with this status
    FAILED = "failed"  # gave up after `MAX_ATTEMPTS`; kept for an operator to look at


class Inbound(SQLModel, table=True):
    """One update from a platform, by the platform's own id for it (Telegram's `update_id`,
    Slack's `event_id` or `trigger_id`): a redelivery finds the row and changes nothing."""

    __table_args__ = (UniqueConstraint("platform", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str  # a `Platform`
    key: str
    payload: str = text_column()  # the update as received (JSON)
    status: str = Field(default=InboundStatus.PENDING, index=True)  # an `InboundStatus`
    attempts: int = 0
    last_error: str | None = text_column(nullable=True)
    received_at: datetime = Field(default_factory=utcnow)
    # while pending: when it may be tried (again); a handler's lease ends here too
    next_try_at: datetime = Field(default_factory=utcnow, index=True)
    done_at: datetime | None = None
