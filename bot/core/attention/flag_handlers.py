"""`flags` / `signalen`: what needs the advisers' attention now, and "seen, we are on it".

Flags are shown from their stored episodes (`flags`), as the daily job left them, so the
list, the channel notice and App Home agree; this read never re-runs detection.
`flags ack N [note]` (or the button under a notice) marks one as seen; a note typed after
the button goes with it, for the other advisers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlmodel import col, select

from bot.core.attention.flags import (
    ack_button,
    acknowledge,
    checked_at,
    explanation,
    open_flags,
)
from bot.core.attention.models import Flag, FlagFamily
from bot.core.attention.signals import open_signals, status_buttons
from bot.core.kernel import Context, Person, Region, Reply, Role, database_id, timezone_of, utcnow

ACK_WORDS = frozenset({"ack", "gezien"})
# In Dutch "signalen" are the ambassadors' regional signals; the flags are
# "aandachtspunten". The old word keeps working for a while, with a hint to the new one.
OLD_DUTCH_NAME = "signalen"
AWAITING_NOTE = "flagnote:"
FOLLOW_UP = (FlagFamily.FOLLOW_UP,)
PULSE = (FlagFamily.ENERGY, FlagFamily.TRUST)
_LOCALES = {"en": "en_GB"}  # English as written in Europe, as the dates elsewhere


def moment_words(moment: datetime, zone: ZoneInfo, language: str) -> str:
    """A moment as the reader says it in their own zone: "1 Dec 09:00" / "1 dec 09:00",
    with the year only when it is not this year."""
    local = moment.astimezone(zone)
    pattern = "d MMM HH:mm" if local.year == utcnow().astimezone(zone).year else "d MMM y HH:mm"
    return format_datetime(local, pattern, locale=_LOCALES.get(language, language))


def handle_flags(context: Context) -> Reply:
    """Open follow-up and pulse flags, and the open signals from the regions."""
    reply = _flags(context)
    if context.command.word.lower() != OLD_DUTCH_NAME:
        return reply
    hint = context.reply("flags_renamed")
    return replace(reply, blocks=hint.blocks + reply.blocks)


def _flags(context: Context) -> Reply:
    first, _space, rest = context.command.args.strip().partition(" ")
    if first.lower() in ACK_WORDS:
        return _ack_command(context, rest.strip())
    session = context.session
    flags = open_flags(session, context.alliance)
    language = context.texts.language
    lines = [explanation(f, language) for f in flags]
    people = _people(context, [f.acknowledged_by_id for f in flags])
    seen_by = {f.id: people.get(f.acknowledged_by_id or 0) for f in flags}
    signals = open_signals(session, context.alliance)
    people.update(_people(context, [s.person_id for s in signals if not s.anonymous]))
    buttons = [
        ack_button(context.texts, flag, number)
        for number, flag in enumerate(flags, start=1)
        if flag.acknowledged_at is None
    ][:5]
    buttons += [b for s in signals for b in status_buttons(context.texts, s.id or 0)]
    regions = {
        r.id: r.name
        for r in session.exec(select(Region).where(Region.alliance_id == context.alliance.id))
    }
    authors = {
        s.id: (people[s.person_id].name if s.person_id in people and not s.anonymous else None)
        for s in signals
    }
    return context.reply(
        "flags",
        *buttons,
        signals=signals,
        regions=regions,
        authors=authors,
        flags=list(zip(flags, lines, strict=True)),
        seen_by=seen_by,
        days={s.id: s.created_at.astimezone(_zone(context)).date() for s in signals},
        as_of=_as_of(context),
    )


def _zone(context: Context) -> ZoneInfo:
    return ZoneInfo(timezone_of(context.person, context.alliance))


def _as_of(context: Context) -> dict[str, str | None]:
    """When follow-up and pulse detection last ran, in the reader's words and zone (None:
    never). The list is as that run left it: reading it runs no detection."""
    zone = _zone(context)
    words: dict[str, str | None] = {}
    for name, families in (("follow_up", FOLLOW_UP), ("pulse", PULSE)):
        moment = checked_at(context.session, context.alliance, families)
        words[name] = moment_words(moment, zone, context.texts.language) if moment else None
    return words


def _people(context: Context, ids: list[int | None]) -> dict[int, Person]:
    """The people behind `ids`, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        p.id or 0: p for p in context.session.exec(select(Person).where(col(Person.id).in_(wanted)))
    }


def _ack_command(context: Context, text: str) -> Reply:
    number, _space, note = text.partition(" ")
    flags = open_flags(context.session, context.alliance)
    if not number.isdigit() or not 0 < int(number) <= len(flags):
        return context.reply("flag_ack_usage", count=len(flags))
    flag = flags[int(number) - 1]
    acknowledge(context.session, flag, context.person, note)
    return context.reply("flag_acknowledged", flag=flag, note=note.strip(), asked=False)


def press_ack(context: Context, flag_id: str) -> Reply:
    row_id = database_id(flag_id)
    flag = context.session.get(Flag, row_id) if row_id else None
    if flag is None or flag.alliance_id != context.alliance.id or flag.ended_at is not None:
        return context.stale()
    if Role.ADVISER not in context.person.role_set:
        return context.refuse("flag_not_adviser")
    acknowledge(context.session, flag, context.person, None)
    context.person.awaiting = f"{AWAITING_NOTE}{flag.id}"
    return context.reply("flag_acknowledged", flag=flag, note="", asked=True)


def continue_note(context: Context, text: str) -> Reply | None:
    """The note typed after pressing the button; None when that is not what we waited for."""
    awaiting = context.person.awaiting or ""
    if not awaiting.startswith(AWAITING_NOTE):
        return None
    context.person.awaiting = None
    row_id = database_id(awaiting.removeprefix(AWAITING_NOTE))
    flag = context.session.get(Flag, row_id) if row_id else None
    if flag is None:
        return None
    acknowledge(context.session, flag, context.person, text)
    return context.reply("flag_note_saved", flag=flag)
