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

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Role(StrEnum):
    """What a person does in the alliance; decides which commands and messages they get.

    An enum rather than bare words so that a typo is a type error, not a silent "no access".
    Stored as plain text (`Person.roles`, comma-separated): a member *is* its word."""

    ADVISER = "adviser"
    AMBASSADOR = "ambassador"
    PARTNER = "partner"
    # the alliance's own communication adviser (*alliantieadviseur*), who works for the
    # alliance as a whole; who counts as one is `bot.core.kernel.roles.coordinators`
    COORDINATOR = "coordinator"


class Platform(StrEnum):
    """Where a person is reached and where a command came from (stored as plain text)."""

    SLACK = "slack"
    TELEGRAM = "telegram"
    CONSOLE = "console"
    EMAIL = "email"  # partner contacts on neither Slack nor Telegram; the address is the account


def utcnow() -> datetime:
    return datetime.now(UTC)


def text_column(nullable: bool = False) -> Any:
    return Field(default=None if nullable else "", sa_column=Column(Text, nullable=nullable))


class Alliance(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    ambition: str = text_column()
    positioning: str = "endorsed"  # monolithic | branded | endorsed
    # what the alliance file said last time: a positioning the partners adopted by consent
    # is kept until the file itself says something new (the file is the starting point)
    positioning_from_file: str | None = None
    task: str = text_column()  # the societal task / call to action branded snippets name
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
    constituency: str = text_column()
    agenda_source: str | None = None
    toolkit_token: str | None = Field(default=None, unique=True)  # the link's SHA-256
    toolkit_link_nonce: str | None = None  # with ALLIANCEBOT_SECRET_KEY, derives the link
    active: bool = True
    # The last good import of the partner's calendar: where from, as of when, and what the web
    # server said identifies that version (sent back, so an unchanged calendar costs a 304).
    agenda_imported_from: str | None = None
    agenda_imported_at: datetime | None = None
    agenda_etag: str | None = None
    agenda_last_modified: str | None = None


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
    roles: str = ""  # comma-separated `Role` values
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    region_id: int | None = Field(default=None, foreign_key="region.id")
    email: str | None = None
    language: str | None = None  # None: the alliance's language
    timezone: str | None = None  # None: the alliance's time zone
    muted_until: datetime | None = None
    # where unsolicited messages reach them (a `Platform`: slack, telegram, email); None: the
    # first they have (`bot.core.outbox.reach`); the file sets it, the person may change it
    channel: str | None = None
    awaiting: str | None = None  # what the next plain message is for, e.g. "signal"
    active: bool = True

    @property
    def role_set(self) -> frozenset[str]:
        """The roles as words; `Role` members compare equal to them (`Role.ADVISER in ...`).

        A coordinator is the alliance's own communication adviser, so whatever an adviser
        may do, a coordinator may too: the set says `adviser` for them even when the file
        names only `coordinator`. Whether an adviser counts as a coordinator depends on the
        rest of the alliance (`bot.core.kernel.roles`), so that is not decided here."""
        words = frozenset(r for r in self.roles.split(",") if r)
        return words | {Role.ADVISER} if Role.COORDINATOR in words else words


class Identity(SQLModel, table=True):
    """A person's account on a platform; marked unreachable when the platform says so."""

    __table_args__ = (UniqueConstraint("platform", "external_id"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    platform: str  # a `Platform`: slack | telegram | email (the address, lower-cased)
    external_id: str
    unreachable_since: datetime | None = None
    unreachable_reason: str | None = None
    linked_at: datetime = Field(default_factory=utcnow)


class AuditEvent(SQLModel, table=True):
    """Who changed what, for the advisers' trust in the record (never holds secrets)."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int | None = Field(default=None, foreign_key="alliance.id", index=True)
    at: datetime = Field(default_factory=utcnow)
    actor: str  # a person key, "alliance_file", "system"
    action: str
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))


class JobRun(SQLModel, table=True):
    """A clock job that ran for one due moment: never twice, also across restarts."""

    __table_args__ = (UniqueConstraint("job", "due_at"),)
    id: int | None = Field(default=None, primary_key=True)
    job: str
    due_at: datetime
    ran_at: datetime = Field(default_factory=utcnow)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
