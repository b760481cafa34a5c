"""`flags` / `aandachtspunten`: what needs the advisers' attention now, and "seen, we are on it".

Flags are shown from their stored episodes (`flags`), as the daily job left them, so the
list, the channel notice and App Home agree; this read never re-runs detection.
`flags ack N [note]` (or the button under a notice) marks one as seen; a note typed after
the button goes with it, for the other advisers. A partner's follow-up flag that nobody has
shared yet is listed only for the coordinators and that partner's own advisers, who can
share it with all advisers (`flags share N`, or the button).
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
from bot.core.attention.notices import is_private, may_see, partner_name, share, share_button
from bot.core.attention.signals import open_signals, status_buttons
from bot.core.kernel import (
    Button,
    Context,
    Person,
    Region,
    Reply,
    Role,
    database_id,
    timezone_of,
    utcnow,
)

ACK_WORDS = frozenset({"ack", "gezien"})
SHARE_WORDS = frozenset({"share", "deel", "delen"})
MAX_FLAG_BUTTONS = 5
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
    if first.lower() in SHARE_WORDS:
        return _share_command(context, rest.strip())
    session = context.session
    flags = open_flags(session, context.alliance, reader=context.person)
    language = context.texts.language
    lines = [explanation(f, language) for f in flags]
    people = _people(context, [f.acknowledged_by_id for f in flags])
    seen_by = {f.id: people.get(f.acknowledged_by_id or 0) for f in flags}
    signals = open_signals(session, context.alliance)
    people.update(_people(context, [s.person_id for s in signals if not s.anonymous]))
    buttons = _flag_buttons(context, flags)
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
        private={f.id for f in flags if is_private(f)},
        first_private=next((n for n, f in enumerate(flags, start=1) if is_private(f)), None),
        days={s.id: s.created_at.astimezone(_zone(context)).date() for s in signals},
        as_of=_as_of(context),
    )


def _flag_buttons(context: Context, flags: list[Flag]) -> list[Button]:
    """ "Seen" for those nobody saw yet, "share" for the private ones, a few in all."""
    numbered = list(enumerate(flags, start=1))
    acks = [ack_button(context.texts, f, n) for n, f in numbered if f.acknowledged_at is None]
    shares = [share_button(context.texts, f, n) for n, f in numbered if is_private(f)]
    return (acks[:MAX_FLAG_BUTTONS] + shares[:MAX_FLAG_BUTTONS])[: MAX_FLAG_BUTTONS * 2]


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


def _numbered(context: Context, number: str) -> Flag | None:
    """The flag with this number in the reader's own list, None for another number."""
    flags = open_flags(context.session, context.alliance, reader=context.person)
    if not number.isdigit() or not 0 < int(number) <= len(flags):
        return None
    return flags[int(number) - 1]


def _ack_command(context: Context, text: str) -> Reply:
    number, _space, note = text.partition(" ")
    flag = _numbered(context, number)
    if flag is None:
        count = len(open_flags(context.session, context.alliance, reader=context.person))
        return context.reply("flag_ack_usage", count=count)
    acknowledge(context.session, flag, context.person, note)
    return context.reply("flag_acknowledged", flag=flag, note=note.strip(), asked=False)


def _share_command(context: Context, number: str) -> Reply:
    flag = _numbered(context, number)
    if flag is None:
        count = len(open_flags(context.session, context.alliance, reader=context.person))
        return context.reply("flag_share_usage", count=count)
    return _share(context, flag)


def _open_flag(context: Context, flag_id: str) -> Flag | None:
    """The open flag a button names, if it is this alliance's."""
    row_id = database_id(flag_id)
    flag = context.session.get(Flag, row_id) if row_id else None
    if flag is None or flag.alliance_id != context.alliance.id or flag.ended_at is not None:
        return None
    return flag


def press_share(context: Context, flag_id: str) -> Reply:
    """ "Share with the advisers": a coordinator's or the partner's own adviser's choice."""
    flag = _open_flag(context, flag_id)
    if flag is None:
        return context.stale()
    if Role.ADVISER not in context.person.role_set or not may_see(
        context.session, context.person, flag
    ):
        return context.refuse("flag_not_yours")
    return _share(context, flag)


def _share(context: Context, flag: Flag) -> Reply:
    """Share it once; a second press (or a late one) hears who already did, and when."""
    shared = share(context.session, context.alliance, flag, context.person, utcnow())
    sharer = context.session.get(Person, flag.shared_by_id) if flag.shared_by_id else None
    when = flag.shared_at.astimezone(_zone(context)).date() if flag.shared_at else None
    return context.reply(
        "flag_shared",
        flag=flag,
        partner=partner_name(context.session, context.alliance, flag.key),
        shared=shared,
        by=sharer.name if sharer and sharer.id != context.person.id else None,
        day=when,
        channel=bool(context.alliance.adviser_channel),
    )


def press_ack(context: Context, flag_id: str) -> Reply:
    flag = _open_flag(context, flag_id)
    if flag is None:
        return context.stale()
    if Role.ADVISER not in context.person.role_set:
        return context.refuse("flag_not_adviser")
    if not may_see(context.session, context.person, flag):
        return context.refuse("flag_not_yours")
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
