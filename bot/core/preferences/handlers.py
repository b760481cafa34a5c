"""A person's own settings: the language they read, and a pause from unsolicited messages."""

from __future__ import annotations

from datetime import datetime

from bot.core.kernel import LANGUAGES, Context, Platform, Reply, Texts, utcnow
from bot.core.outbox import channel_order, channels_of, mute, set_channel

MAX_MUTE_DAYS = 90
OFF_WORDS = frozenset({"uit", "off", "0"})
CHANNEL_WORDS = {
    "slack": Platform.SLACK,
    "telegram": Platform.TELEGRAM,
    "email": Platform.EMAIL,
    "e-mail": Platform.EMAIL,
    "mail": Platform.EMAIL,
}


def handle_language(context: Context) -> Reply:
    wanted = context.command.args.strip().lower()
    if wanted not in LANGUAGES:
        return context.reply("language_usage", current=context.texts.language, choices=LANGUAGES)
    context.person.language = wanted
    context.audit("person.language", language=wanted)
    context.texts = Texts(wanted)
    return context.reply("language_set")


def _muted_until(context: Context) -> datetime | None:
    """Until when this person is paused, in their own zone; None when they are not."""
    until = context.person.muted_until
    if until is None:
        return None
    local = context.local(until)
    return local if local > context.local(utcnow()) else None


def handle_mute(context: Context) -> Reply:
    """`stil 7` pauses, `stil uit` ends the pause, `stil` alone says where things stand."""
    argument = context.command.args.strip().lower()
    if not argument:
        return context.reply("mute_state", until=_muted_until(context), max_days=MAX_MUTE_DAYS)
    if argument in OFF_WORDS:
        days = 0
    elif argument.isdigit() and 0 < int(argument) <= MAX_MUTE_DAYS:
        days = int(argument)
    else:
        return context.reply("mute_usage", max_days=MAX_MUTE_DAYS)
    was = _muted_until(context)
    until = mute(context.person, days)
    context.audit("person.mute", days=days)
    local = context.local(until) if until else None
    return context.reply("mute_set", until=local, was_muted=was is not None)


def handle_channel(context: Context) -> Reply:
    """`kanaal email` chooses where unsolicited messages reach me; `kanaal` alone says
    where they do now and what I can choose (the accounts the bot knows of me)."""
    argument = context.command.args.strip().lower()
    have = channels_of(context.session, context.person)
    if not argument:
        current = next((p for p in channel_order(context.person) if p in have), None)
        chosen = context.person.channel == current
        return context.reply("channel_state", channel=current, chosen=chosen, have=have)
    wanted = CHANNEL_WORDS.get(argument)
    if wanted is None or wanted not in have:
        return context.reply("channel_usage", wanted=wanted, have=have)
    set_channel(context.session, context.person, wanted)
    context.audit("person.channel", channel=wanted)
    return context.reply("channel_set", channel=wanted)
