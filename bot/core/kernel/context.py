"""What a command handler knows: who asks, on which platform, in which language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.core.kernel.commands import Command, CommandSpec
from bot.core.kernel.link_keys import LinkKey
from bot.core.kernel.models import Alliance, AuditEvent, Person, utcnow
from bot.core.kernel.people import language_of, local_date, timezone_of
from bot.core.kernel.replies import Button, Reply
from bot.core.kernel.texts import Texts

PREFIX = {"slack": "/alliance ", "telegram": "/", "console": ""}


class Context:
    """Everything a handler needs about who asks, where, and in which language."""

    def __init__(
        self,
        session: Session,
        command: Command,
        person: Person,
        alliance: Alliance,
        commands: Mapping[str, CommandSpec],
    ):
        self.session = session
        self.commands = commands  # every feature's commands by key, for `cmd`
        self.command = command
        self.person = person
        self.alliance = alliance
        self.texts = Texts(language_of(person, alliance), timezone_of(person, alliance))

    def audit(self, action: str, **detail: object) -> None:
        """Record what this person changed, in the same transaction as the change."""
        self.session.add(
            AuditEvent(
                alliance_id=self.alliance.id, actor=self.person.key, action=action, detail=detail
            )
        )

    @property
    def public_url(self) -> str:
        """Where people reach the web app ("" where the adapter does not know it)."""
        return str(self.command.context.get("public_url", "")).rstrip("/")

    @property
    def link_key(self) -> LinkKey | None:
        """The server's key for links shown again (None where the adapter has none)."""
        key = self.command.context.get("link_key")
        return key if isinstance(key, LinkKey) else None

    def today(self) -> date:
        """Today where the reader is (a date shown or compared must be theirs, not UTC's)."""
        return local_date(utcnow(), self.person, self.alliance)

    def local(self, moment: datetime) -> datetime:
        """A stored (UTC) moment in the reader's time zone, for showing it."""
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite's are naive
        return aware.astimezone(ZoneInfo(timezone_of(self.person, self.alliance)))

    def cmd(self, key: str) -> str:
        """A command as this person types it here: `/alliance kernboodschap`."""
        prefix = PREFIX.get(self.command.platform, "")
        return prefix + self.commands[key].name_in(self.texts.language)

    def render(self, template: str, **values: object) -> str:
        prefix = PREFIX.get(self.command.platform, "")
        return self.texts.render(template, prefix=prefix, cmd=self.cmd, **values)

    def stale(self) -> Reply:
        """The polite answer to a button that belongs to something no longer open."""
        return replace(self.reply("stale_button"), stale=True)

    def refuse(self, template: str, **values: object) -> Reply:
        """A press this person may not make (someone else's, or another role's): the reason,
        marked so that adapters tell only them and leave the message with its buttons."""
        return replace(self.reply(template, **values), refused=True)

    def reply(self, template: str, *buttons: Button, **values: object) -> Reply:
        return Reply.from_markup(self.render(template, **values), buttons=buttons)
