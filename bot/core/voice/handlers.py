"""`woordvoering`/`spokespeople`: the register, read by advisers, kept by coordinators."""

from __future__ import annotations

from bot.core.kernel import COORDINATOR, Context, Reply
from bot.core.voice.register import (
    VoiceError,
    add_spokesperson,
    organisation_names,
    remove_spokesperson,
    spokespeople,
)

ADD_WORDS = frozenset({"new", "nieuw", "add"})
REMOVE_WORDS = frozenset({"remove", "weg", "drop"})


def handle_spokespeople(context: Context) -> Reply:
    """`woordvoering`: the register; `woordvoering nieuw <pijler of thema> | <naam> |
    <functie> | <partner>`; `woordvoering weg <nummer>` (coordinators)."""
    first, _space, rest = context.command.args.strip().partition(" ")
    word = first.lower()
    if word in ADD_WORDS | REMOVE_WORDS:
        if COORDINATOR not in context.roles:
            return context.reply("spokespeople_error", code="not_coordinator")
        try:
            return _add(context, rest) if word in ADD_WORDS else _remove(context, rest)
        except VoiceError as error:
            return context.reply("spokespeople_error", code=error.code, details=error.details)
    return _register(context)


def _register(context: Context) -> Reply:
    session, alliance = context.session, context.alliance
    return context.reply(
        "spokespeople",
        register=spokespeople(session, alliance),
        names=organisation_names(session, alliance),
        editor=COORDINATOR in context.roles,
    )


def _add(context: Context, text: str) -> Reply:
    parts = [part.strip() for part in text.split("|")]
    if len(parts) < 2 or not parts[0] or not parts[1]:
        raise VoiceError("usage")
    topic, name = parts[0], parts[1]
    function = parts[2] if len(parts) > 2 else ""
    organisation = parts[3] if len(parts) > 3 else ""
    row = add_spokesperson(
        context.session, context.alliance, context.person, topic, name, function, organisation
    )
    context.audit("spokesperson.added", id=row.id)
    return _register(context)


def _remove(context: Context, text: str) -> Reply:
    number = text.strip()
    if not number.isdigit() or len(number) > 9:
        raise VoiceError("usage")
    row = remove_spokesperson(context.session, context.alliance, int(number))
    context.audit("spokesperson.removed", id=row.id)
    return _register(context)
