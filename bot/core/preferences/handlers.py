"""A person's own settings: the language they read, and a pause from unsolicited messages."""

from __future__ import annotations

from bot.core.kernel import LANGUAGES, Context, Reply, Texts
from bot.core.outbox import mute

MAX_MUTE_DAYS = 90


def handle_language(context: Context) -> Reply:
    wanted = context.command.args.strip().lower()
    if wanted not in LANGUAGES:
        return context.reply("language_usage", current=context.texts.language, choices=LANGUAGES)
    context.person.language = wanted
    context.audit("person.language", language=wanted)
    context.texts = Texts(wanted)
    return context.reply("language_set")


def handle_mute(context: Context) -> Reply:
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
