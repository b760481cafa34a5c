"""The outbox tables."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

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
    HARVEST = "harvest"  # the monthly "what we achieved together", to everyone
    DECISION = "decision"  # a decision the partners take by consent (`bot.core.consent`)
    NOTICE = "notice"  # anything else told once (help asked, results, unreachable people)


def _subject(target: str) -> Any:
    """A nullable, indexed reference to what a delivery is about."""
    return Field(default=None, foreign_key=target, index=True, ondelete="SET NULL")


class Delivery(SQLModel, table=True):
    """One unsolicited message in the outbox. `dedupe_key` makes planning idempotent; it is
    never parsed (the subject columns say what a message is about)."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int | None = Field(default=None, foreign_key="alliance.id", index=True)
    dedupe_key: str = Field(unique=True)
    kind: str  # a `DeliveryKind`
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    channel: str | None = None  # a Slack channel, for messages to the advisers' channel
    # what the message is about (`bot.core.outbox.subjects.Subject`): real references that
    # queries join and cancel by; a subject that is deleted (a moment removed from a
    # calendar) leaves the message as history, without the link
    agreement_id: int | None = _subject("agreement.id")
    agenda_item_id: int | None = _subject("agendaitem.id")
    snippet_key: str | None = None  # a key, not a row: snippets may come from files
    round_id: int | None = _subject("pulseround.id")
    proposal_id: int | None = _subject("proposal.id")
    house_version_id: int | None = _subject("houseversion.id")
    partner_id: int | None = _subject("partner.id")
    flag_id: int | None = _subject("flag.id")
    signal_id: int | None = _subject("signal.id")
    decision_id: int | None = _subject("decision.id")
    platform: str  # a `Platform`
    body: str = text_column()  # neutral small markup
    buttons: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON))
    # one PNG sent along with the text (a chart), and the words that stand in for it
    image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    image_alt: str | None = text_column(nullable=True)
    image_name: str | None = None  # the file name it is sent under (`pulse-report.png`)
    # a neutral description of a chart (`kernel.Chart`), drawn by the worker when it sends
    chart: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
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
    """A running worker: the rows a worker had claimed go back to pending within seconds of
    its heartbeat stopping."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    started_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow, index=True)


class SendBudget(SQLModel, table=True):
    """One platform's send schedule, shared by every process that calls it.

    Telegram counts messages a second for the bot as a whole, not per process: the web
    process answering taps and each worker fanning out take their turns from this one row
    (`bot.core.outbox.budget`), so together they stay under the limit."""

    platform: str = Field(primary_key=True)
    next_slot: datetime = Field(default_factory=utcnow)  # the first free moment to send
