"""From a `Command` to a `Reply`: roles are checked here, once, for every platform."""

from __future__ import annotations

import difflib
from collections.abc import Callable

from sqlmodel import Session

from bot.core.attention import (
    ACK_VERB,
    continue_awaiting,
    continue_note,
    handle_flags,
    handle_signal,
    press_ack,
    press_signal,
)
from bot.core.followup import ANSWERS, continue_stuck, handle_agreements, press_checkin
from bot.core.house import (
    handle_endorse,
    handle_note,
    handle_object,
    handle_propose,
    house_markup,
    notes_for,
    press_answer,
)
from bot.core.kernel import (
    COMMANDS,
    LANGUAGES,
    Alliance,
    Command,
    CommandSpec,
    Context,
    InvalidAction,
    Partner,
    Person,
    Reply,
    Texts,
    clean_input,
    decode_action,
    find_command,
    split_command_line,
)
from bot.core.outbox import mute
from bot.core.pulse import (
    ANSWER_VERB,
    CHANGE_VERB,
    continue_open_answer,
    handle_pulse,
    press_change,
    press_pulse_answer,
)
from bot.core.toolkit import FEEDBACK_VERB, handle_agenda, handle_toolkit, press_feedback

Handler = Callable[[Context], Reply]


def _context(session: Session, command: Command) -> Context | None:
    person = session.get(Person, command.person_id)
    if person is None or not person.active:
        return None
    alliance = session.get(Alliance, person.alliance_id)
    assert alliance is not None
    return Context(session, command, person, alliance)


def handle(session: Session, command: Command) -> Reply:
    """Answer one command. Never raises for anything a user can type."""
    context = _context(session, command)
    if context is None:
        return Reply.from_markup(Texts(None).render("unknown_person"))
    person = context.person
    spec = command.spec
    if spec is None:
        text = str(command.context.get("text", ""))
        typed = text and not text.startswith("/")
        awaited = (
            (
                continue_awaiting(context, text)
                or continue_stuck(context, text)
                or continue_note(context, text)
                or continue_open_answer(context, text)
            )
            if typed
            else None
        )
        return awaited or _unknown(context)
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
    session, person = context.session, context.person
    partner = session.get(Partner, person.partner_id) if person.partner_id else None
    notes = notes_for(session, partner) if partner else {}
    markup = house_markup(session, context.alliance, context.texts, partner, notes, cmd=context.cmd)
    return Reply.from_markup(markup)


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
    "propose": handle_propose,
    "endorse": handle_endorse,
    "object": handle_object,
    "note": handle_note,
    "signal": handle_signal,
    "flags": handle_flags,
    "agreements": handle_agreements,
    "pulse": handle_pulse,
    "toolkit": handle_toolkit,
    "agenda": handle_agenda,
}

# Buttons: the verb of an action id, and what pressing it does.
Press = Callable[[Context, str, tuple[str, ...]], Reply]
ACTIONS: dict[str, Press] = {
    "he": lambda context, _verb, args: press_answer(context, "endorse", args[0]),
    "ho": lambda context, _verb, args: press_answer(context, "object", args[0]),
    "sa": lambda context, verb, args: press_signal(context, verb, args[0]),
    "sn": lambda context, verb, args: press_signal(context, verb, args[0]),
    ACK_VERB: lambda context, _verb, args: press_ack(context, args[0]),
    ANSWER_VERB: lambda context, _verb, args: (
        press_pulse_answer(context, args[0], args[1]) if len(args) == 2 else context.stale()
    ),
    CHANGE_VERB: lambda context, _verb, args: press_change(context, args[0]),
    FEEDBACK_VERB: lambda context, _verb, args: (
        press_feedback(context, args[0], args[1]) if len(args) == 2 else context.stale()
    ),
    **dict.fromkeys(ANSWERS, lambda context, verb, args: press_checkin(context, verb, args[0])),
}


def press(session: Session, person_id: int, action: str, platform: str) -> Reply:
    """A button press, from any platform. Stale or forged buttons get a polite answer."""
    context = _context(session, Command(person_id, None, "", "", platform))
    if context is None:
        return Reply.from_markup(Texts(None).render("unknown_person"))
    try:
        decoded = decode_action(action, frozenset(ACTIONS))
        handler = ACTIONS[decoded.verb]
        if not decoded.args:
            raise InvalidAction("no arguments")
    except InvalidAction:
        return context.stale()
    return handler(context, decoded.verb, decoded.args)


def plain_message(person_id: int, text: str, platform: str) -> Command:
    """A message that is not a command (chat platforms mark commands with a slash)."""
    return Command(person_id, None, "", "", platform, {"text": clean_input(text)})


def command_from_text(person_id: int, text: str, platform: str) -> Command:
    """Build a `Command` from a typed line ("house", "/kernboodschap", "taal en")."""
    word, args = split_command_line(text)
    spec = find_command(word) if word else None
    return Command(person_id, spec, word, args, platform, {"text": clean_input(text)})
