"""The database tables.

One database holds one alliance today; every table still carries the alliance (directly or
through its parent) so that a hosted, multi-alliance deployment needs no schema rewrite.

Conventions that keep SQLite and PostgreSQL behaving the same:

* all timestamps are aware and stored as UTC (SQLModel's `UTCDateTime` refuses naive ones,
  which catches a forgotten time zone at the first write); conversion to a person's time
  zone happens only when something is shown or scheduled for them;
* nothing with history is deleted: partners, regions and people that leave the alliance file
  are archived (`active = False`) so that old endorsements, answers and agreements keep their
  meaning;
* business keys (`key`) come from the alliance file and are unique per alliance, so that
  loading the file twice finds the same rows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _text(nullable: bool = False) -> Any:
    return Field(default=None if nullable else "", sa_column=Column(Text, nullable=nullable))


class Alliance(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    ambition: str = _text()
    positioning: str = "endorsed"  # monolithic | branded | endorsed
    language: str = "nl"
    timezone: str = "Europe/Amsterdam"
    adviser_channel: str | None = None
    min_group_size: int = 3
    pulse_cadence: str = "biweekly"
    quorum: int | None = None  # partners needed to adopt a proposal; None = all
    quiet_hours: str = "21:00-08:00"  # no unsolicited messages then, in each person's zone
    weekly_cap: int = 3  # unsolicited messages per person per week (Monday to Sunday)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Partner(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("alliance_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    key: str
    name: str
    constituency: str = _text()
    agenda_source: str | None = None
    toolkit_token: str | None = Field(default=None, unique=True)
    active: bool = True


class Region(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("alliance_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    key: str
    name: str
    active: bool = True


class Person(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("alliance_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    key: str
    name: str
    roles: str = ""  # comma-separated: adviser, ambassador, partner
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    email: str | None = None
    language: str | None = None  # None: the alliance's language
    timezone: str | None = None  # None: the alliance's time zone
    muted_until: datetime | None = None
    awaiting: str | None = None  # what the next plain message is for, e.g. "signal"
    active: bool = True

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(r for r in self.roles.split(",") if r)


class Identity(SQLModel, table=True):
    """A person's account on a platform; marked unreachable when the platform says so."""

    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str  # slack | telegram
    external_id: str
    unreachable_since: datetime | None = None
    unreachable_reason: str | None = None
    linked_at: datetime = Field(default_factory=utcnow)


class AgendaItem(SQLModel, table=True):
    """One moment in a partner's calendar (an occurrence, for recurring events)."""

    __table_args__ = (UniqueConstraint("partner_id", "uid"),)
    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    uid: str  # event UID plus occurrence start, stable across re-imports
    title: str = _text()
    kind: str = "other"  # newsletter | board | council | members | event | campaign | other
    starts_at: datetime = Field(index=True)
    ends_at: datetime | None = None
    all_day: bool = False
    cancelled: bool = False
    source: str | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class HouseVersion(SQLModel, table=True):
    """An adopted version of the message house; versions are never overwritten."""

    __table_args__ = (UniqueConstraint("alliance_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    version: int
    roof: str = _text()
    adopted_at: datetime = Field(default_factory=utcnow)
    proposed_by_id: int | None = Field(default=None, foreign_key="person.id")
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    source: str = "proposal"  # proposal | alliance_file
    reason: str | None = _text(nullable=True)


class Pillar(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    house_version_id: int = Field(foreign_key="houseversion.id", index=True)
    position: int
    title: str
    message: str = _text()


class ProofPoint(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pillar_id: int = Field(foreign_key="pillar.id", index=True)
    position: int
    text: str = _text()


class Proposal(SQLModel, table=True):
    """A proposed next version of the house, waiting for the partners' consent."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    base_version: int
    roof: str = _text()
    pillars: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    reason: str = _text()
    status: str = "open"  # open | adopted | replaced | withdrawn
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
    verdict: str = "endorse"  # endorse | object
    reason: str | None = _text(nullable=True)
    created_at: datetime = Field(default_factory=utcnow)


class ToolkitSnippet(SQLModel, table=True):
    """Ready-made text for partners; `body` is a user-written template (sandboxed)."""

    __table_args__ = (UniqueConstraint("alliance_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    key: str
    title: str
    body: str = _text()
    language: str = "nl"
    agenda_kinds: str = ""  # comma-separated agenda item kinds this snippet is timed to
    days_before: int = 7
    kind: str = "newsletter_item"  # newsletter_item | social_post | intranet_item | board_memo | …
    pillar: int | None = None  # the pillar's position in the house, if the snippet carries one
    max_length: int | None = None  # characters; None: the kind's own limit
    active: bool = True
    created_by_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    """One unsolicited message in the outbox. `dedupe_key` makes planning idempotent."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int | None = Field(default=None, foreign_key="alliance.id", index=True)
    dedupe_key: str = Field(unique=True)
    kind: str  # pulse | reminder | snippet | flag | digest | notice | signal
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    channel: str | None = None  # a Slack channel, for messages to the advisers' channel
    platform: str  # slack | telegram | console
    body: str = _text()  # neutral small markup
    buttons: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON))
    # one PNG sent along with the text (a chart), and the words that stand in for it
    image: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    image_alt: str | None = _text(nullable=True)
    due_at: datetime = Field(index=True)
    expires_at: datetime | None = None  # not worth sending after this (a closed poll)
    urgent: bool = False  # may be sent in quiet hours; only where the planner says so
    held_back: bool = False  # moved to a later week by the weekly cap; the message says so
    status: str = Field(default="pending", index=True)
    # pending | sending | sent | failed | expired | skipped
    attempts: int = 0
    last_error: str | None = _text(nullable=True)
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    # the platform's message ids once sent; while still pending, the ids of the text that
    # already went out, so that a retry only sends the image (see `bot.worker`)
    platform_message_id: str | None = None
    created_at: datetime = Field(default_factory=utcnow)


class PulseRound(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    opened_at: datetime = Field(default_factory=utcnow)
    closes_at: datetime | None = None
    closed_at: datetime | None = None
    audience: str = "ambassador"  # comma-separated roles


class PulseQuestion(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("round_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pulseround.id", index=True)
    position: int
    key: str  # energy | trust | a question-bank key | open
    kind: str = "scale"  # scale (1-5) | open


class PulseAnswer(SQLModel, table=True):
    """One person's answer. Never shown individually; group snapshots make trends stable."""

    __table_args__ = (UniqueConstraint("question_id", "person_id"),)
    id: int | None = Field(default=None, primary_key=True)
    question_id: int = Field(foreign_key="pulsequestion.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    value: int | None = None
    text: str | None = _text(nullable=True)
    answered_at: datetime = Field(default_factory=utcnow)


class Agreement(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("alliance_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    key: str
    text: str = _text()
    owner_partner_id: int = Field(foreign_key="partner.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id")
    made_on: date
    due_on: date
    done_on: date | None = None
    status: str = "open"  # open | on_track | stuck | done | dropped
    owner_person_id: int | None = Field(default=None, foreign_key="person.id")
    source: str | None = None  # where it was made: a meeting, "csv", "chat", "slack"
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CheckIn(SQLModel, table=True):
    """A status update on an agreement, from a button, a command or the CSV."""

    id: int | None = Field(default=None, primary_key=True)
    agreement_id: int = Field(foreign_key="agreement.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    status: str  # on_track | delayed | done | stuck
    note: str | None = _text(nullable=True)
    created_at: datetime = Field(default_factory=utcnow)


class Signal(SQLModel, table=True):
    """A regional signal from an ambassador, on its way to the national table and back."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    text: str = _text()
    anonymous: bool = False
    status: str = "new"  # new | on_agenda | answered
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who changed what, for the advisers' trust in the record (never holds secrets)."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int | None = Field(default=None, foreign_key="alliance.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str  # a person key, "alliance_file", "system"
    action: str
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class WorkerHeartbeat(SQLModel, table=True):
    """A running worker. Several workers share the platforms' rate limits between them,
    and the rows a dead worker had claimed are handed back when its heartbeat stops."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    started_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow, index=True)


class JobRun(SQLModel, table=True):
    """A clock job that ran for one due moment: never twice, also across restarts."""

    __table_args__ = (UniqueConstraint("job", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    job: str
    due_at: datetime
    ran_at: datetime = Field(default_factory=utcnow)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class PartnerNote(SQLModel, table=True):
    """How a pillar translates for one partner's constituency, in that partner's words.

    Keyed by the pillar's title, so a note follows its pillar through new versions of the
    house as long as the pillar keeps its name."""

    __table_args__ = (UniqueConstraint("partner_id", "pillar_title"),)
    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    pillar_title: str
    text: str = _text()
    updated_by_id: int | None = Field(default=None, foreign_key="person.id")
    updated_at: datetime = Field(default_factory=utcnow)


class Invite(SQLModel, table=True):
    """A one-time link to connect a chat account to a person. Only the code's hash is kept,
    so a leaked database cannot be used to take over someone's place in the alliance."""

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str = "telegram"
    code_hash: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Flag(SQLModel, table=True):
    """A trend worth an adviser's attention, kept as an *episode*.

    One row per episode of one group's decline (follow-up or pulse), so that a flag is told
    to the advisers once, can be acknowledged with a note, and is not raised again while the
    same decline goes on. When detection stops firing the episode ends (`ended_at`); a
    decline that returns within a short grace is the same episode, later it is a new one."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    family: str  # follow_up | energy | trust: what declines
    level: str  # alliance | partner | region
    key: str  # the partner's or region's key ("alliance" for the whole)
    kind: str  # declining_follow_up | pseudo_cooperation | energy_drop | trust_drop
    since: date
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    raised_at: datetime = Field(default_factory=utcnow)
    last_seen: date
    ended_at: datetime | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by_id: int | None = Field(default=None, foreign_key="person.id")
    note: str | None = _text(nullable=True)


class ToolkitFeedback(SQLModel, table=True):
    """What a partner did with a delivered snippet: used, adapted or not relevant."""

    __table_args__ = (UniqueConstraint("delivery_id"),)
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id")
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    snippet_key: str
    verdict: str  # used | adapted | not_relevant
    at: datetime = Field(default_factory=utcnow)
