"""From a `Command` to a `Reply`: roles are checked here, once, for every platform."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from sqlmodel import Session

from bot.core.commands import (
    COMMANDS,
    COMMANDS_BY_KEY,
    Command,
    CommandSpec,
    find_command,
    split_command_line,
)
from bot.core.house import house_markup
from bot.core.models import Alliance, AuditEvent, Person
from bot.core.outbox import mute
from bot.core.people import language_of
from bot.core.replies import Reply
from bot.core.texts import LANGUAGES, Texts

Handler = Callable[["Context"], Reply]

PREFIX = {"slack": "/alliance ", "telegram": "/", "console": ""}


class Context:
    """Everything a handler needs about who asks, where, and in which language."""

    def __init__(self, session: Session, command: Command, person: Person, alliance: Alliance):
        self.session = session
        self.command = command
        self.person = person
        self.alliance = alliance
        self.texts = Texts(language_of(person, alliance))

    def audit(self, action: str, **detail: object) -> None:
        """Record what this person changed, in the same transaction as the change."""
        self.session.add(
            AuditEvent(
                alliance_id=self.alliance.id, actor=self.person.key, action=action, detail=detail
            )
        )

    def reply(self, template: str, **values: object) -> Reply:
        prefix = PREFIX.get(self.command.platform, "")
        language = self.texts.language

        def cmd(key: str) -> str:
            """A command as this person types it here: `/alliance kernboodschap`."""
            return prefix + COMMANDS_BY_KEY[key].name_in(language)

        return Reply.from_markup(self.texts.render(template, prefix=prefix, cmd=cmd, **values))


def handle(session: Session, command: Command) -> Reply:
    """Answer one command. Never raises for anything a user can type."""
    person = session.get(Person, command.person_id)
    if person is None or not person.active:
        return Reply.from_markup(Texts(None).render("unknown_person"))
    alliance = session.get(Alliance, person.alliance_id)
    assert alliance is not None
    context = Context(session, command, person, alliance)
    spec = command.spec
    if spec is None:
        return _unknown(context)
    if not spec.allowed_for(person.role_set):
        return context.reply("not_allowed", spec=spec)
    handler = HANDLERS.get(spec.key)
    if handler is None:
        return context.reply("not_available", spec=spec)
    return handler(context)


def _unknown(context: Context) -> Reply:
    word = context.command.word
    language = context.texts.language
    names = {name: spec for spec in _allowed(context) for name in (spec.english, spec.dutch)}
    close = difflib.get_close_matches(word.lower(), list(names), n=1) if word else []
    suggestion = names[close[0]].name_in(language) if close else None
    return context.reply("unknown_command", word=word, suggestion=suggestion)


def _allowed(context: Context) -> list[CommandSpec]:
    return [spec for spec in COMMANDS if spec.allowed_for(context.person.role_set)]


def _help(context: Context) -> Reply:
    return context.reply(
        "help",
        person=context.person,
        commands=_allowed(context),
    )


def _house(context: Context) -> Reply:
    return Reply.from_markup(house_markup(context.session, context.alliance, context.texts))


def _language(context: Context) -> Reply:
    wanted = context.command.args.strip().lower()
    if wanted not in LANGUAGES:
        return context.reply("language_usage", current=context.texts.language, choices=LANGUAGES)
    context.person.language = wanted
    context.audit("person.language", language=wanted)
    context.texts = Texts(wanted)
    return context.reply("language_set")


MAX_MUTE_DAYS = 90


def _mute(context: Context) -> Reply:
    argument = context.command.args.strip().lower()
    if argument in ("uit", "off", "0"):
        days = 0
    elif argument.isdigit() and 0 < int(argument) <= MAX_MUTE_DAYS:
        days = int(argument)
    else:
        return context.reply("mute_usage", max_days=MAX_MUTE_DAYS)
    until = mute(context.person, days)
    context.audit("person.mute", days=days)
    return context.reply("mute_set", until=until.date() if until else None)


HANDLERS: dict[str, Handler] = {
    "help": _help,
    "house": _house,
    "language": _language,
    "mute": _mute,
}


def command_from_text(person_id: int, text: str, platform: str) -> Command:
    """Build a `Command` from a typed line ("house", "/kernboodschap", "taal en")."""
    word, args = split_command_line(text)
    return Command(person_id, find_command(word) if word else None, word, args, platform)
