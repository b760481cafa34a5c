"""From a `Command` to a `Reply`: roles are checked here, once, for every platform.

The features declare their own commands, buttons and prompts (each package's
`commands.py`); this module only merges them, in the order help lists them, and routes.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace

from sqlmodel import Session, col, select

from bot.core import (
    attention,
    consent,
    followup,
    harvest,
    house,
    needs,
    overview,
    preferences,
    pulse,
    reflection,
    toolkit,
    voice,
)
from bot.core.kernel import (
    ALL,
    MAX_COMMAND_LENGTH,
    Alliance,
    ChatCommand,
    Command,
    CommandSpec,
    Context,
    Feature,
    Form,
    Handler,
    InvalidAction,
    LinkKey,
    Outcome,
    Partner,
    Person,
    Registry,
    Reply,
    SubCommand,
    Submission,
    Texts,
    _,
    clean_input,
    decode_action,
    help_reply,
    split_command_line,
    utcnow,
)

UNKNOWN_ECHO = 40  # how much of an unknown word is repeated back


def _help(context: Context) -> Reply:
    person = context.person
    keys = list(
        context.session.exec(
            select(Partner.key)
            .where(Partner.alliance_id == context.alliance.id, col(Partner.active))
            .order_by(col(Partner.key))
        )
    )
    own = context.session.get(Partner, person.partner_id) if person.partner_id else None
    mine = own.key if own else (keys[0] if keys else None)
    values = {
        "agreement": followup.first_visible_key(context) or "A001",
        "other": next((k for k in keys if k != mine), mine or "partner"),
    }
    return help_reply(context, _allowed(context), mine, values)


HELP = Feature(
    "help",
    commands=(
        ChatCommand(
            CommandSpec(
                "help",
                "help",
                "hulp",
                ALL,
                _("what I can do here"),
                usage=_("[command]"),
                subcommands=(SubCommand("", "", _("explains one command"), _("agreements")),),
            ),
            _help,
        ),
    ),
)

REGISTRY = Registry(
    (
        HELP,
        house.FEATURE,
        consent.FEATURE,
        toolkit.FEATURE,
        pulse.FEATURE,
        followup.FEATURE,
        harvest.FEATURE,
        reflection.FEATURE,
        needs.FEATURE,
        voice.FEATURE,
        attention.FEATURE,
        preferences.FEATURE,
    )
)


def _offer_intake_again(session: Session, alliance: Alliance, phase: reflection.Phase) -> None:
    """A new phase asks the partners anew what they need (issue 20): the intake is offered
    again to every partner's advisers, once per phase. `needs` and `reflection` are siblings
    and never import each other, so the wiring lives here, where both are merged. The first
    phase an alliance gets (from its file) is no change: the weekly offer covers it."""
    changes = reflection.changes_of(session, alliance)
    if len(changes) > 1 or changes[-1].source == reflection.PhaseSource.DECISION:
        needs.offer_intake(session, alliance, utcnow(), occasion=f"phase-{phase}", everyone=True)


reflection.on_phase_change(_offer_intake_again)
COMMANDS: tuple[CommandSpec, ...] = REGISTRY.commands
COMMANDS_BY_KEY: Mapping[str, CommandSpec] = REGISTRY.by_key
HANDLERS: Mapping[str, Handler] = {key: entry.handle for key, entry in REGISTRY.entries.items()}
find_command = REGISTRY.find


def context_for(session: Session, command: Command) -> Context | None:
    """Who asks, in which alliance; None for someone unknown or no longer active."""
    person = session.get(Person, command.person_id)
    if person is None or not person.active:
        return None
    alliance = session.get(Alliance, person.alliance_id)
    assert alliance is not None
    return Context(session, command, person, alliance, COMMANDS_BY_KEY)


def handle(session: Session, command: Command) -> Reply:
    """Answer one command. Never raises for anything a user can type."""
    context = context_for(session, command)
    if context is None:
        return Reply.from_markup(Texts(None).render("unknown_person"))
    spec = command.spec
    text = str(command.context.get("text", ""))
    limit = spec.max_length if spec and spec.allowed_for(context.roles) else None
    if len(text) > (limit or MAX_COMMAND_LENGTH):
        return context.reply("too_long", limit=limit or MAX_COMMAND_LENGTH, length=len(text))
    if spec is None:
        if text and not text.startswith("/"):
            for prompt in REGISTRY.prompts:
                answered = prompt(context, text)
                if answered is not None:
                    return answered
        return _unknown(context)
    if not spec.allowed_for(context.roles):
        return context.reply("not_allowed", spec=spec)
    handler = REGISTRY.handler(spec.key)
    if handler is None:
        return context.reply("not_available", spec=spec)
    reply = handler(context)
    for add in REGISTRY.additions.get(spec.key, ()):
        extra = add(context)
        if extra is not None:
            reply = replace(
                reply, blocks=reply.blocks + extra.blocks, buttons=reply.buttons + extra.buttons
            )
    return reply


def _unknown(context: Context) -> Reply:
    word = context.command.word
    shown = word if len(word) <= UNKNOWN_ECHO else word[:UNKNOWN_ECHO] + "…"
    language = context.texts.language
    names = {name: spec for spec in _allowed(context) for name in (spec.english, spec.dutch)}
    close = difflib.get_close_matches(word.lower(), list(names), n=1) if word else []
    suggestion = names[close[0]].name_in(language) if close else None
    return context.reply("unknown_command", word=shown, suggestion=suggestion)


def _allowed(context: Context) -> list[CommandSpec]:
    return [spec for spec in COMMANDS if spec.allowed_for(context.roles)]


def press(session: Session, person_id: int, action: str, platform: str) -> Reply:
    """A button press, from any platform. Stale or forged buttons get a polite answer."""
    context = context_for(session, Command(person_id, None, "", "", platform))
    if context is None:
        return Reply.from_markup(Texts(None).render("unknown_person"))
    try:
        decoded = decode_action(action, frozenset(REGISTRY.verbs))
    except InvalidAction:
        return context.stale()
    button = REGISTRY.verbs[decoded.verb]
    if len(decoded.args) != button.verb.arity:
        return context.stale()
    return button.press(context, decoded)


def plain_message(person_id: int, text: str, platform: str) -> Command:
    """A message that is not a command (chat platforms mark commands with a slash)."""
    return Command(person_id, None, "", "", platform, {"text": clean_input(text)})


def command_from_text(
    person_id: int,
    text: str,
    platform: str,
    public_url: str = "",
    link_key: LinkKey | None = None,
) -> Command:
    """Build a `Command` from a typed line ("house", "/kernboodschap", "taal en").
    `public_url` is where people reach the web app, for the links a reply may give;
    `link_key` lets a reply show such a link again (a partner's toolkit page)."""
    word, args = split_command_line(text)
    spec = find_command(word) if word else None
    context: dict[str, object] = {"text": clean_input(text)}
    if public_url:
        context["public_url"] = public_url
    if link_key is not None:
        context["link_key"] = link_key
    return Command(person_id, spec, word, args, platform, context)


def opens_form(text: str) -> bool:
    """Whether typing `text` opens a form where forms can be shown (no database needed, so
    an adapter can decide at once, inside a platform's deadline for opening one)."""
    word, args = split_command_line(text)
    return REGISTRY.form_opened_by(find_command(word), args) is not None


def open_form(
    session: Session, person_id: int, text: str, platform: str, prefill: str = ""
) -> Form | Reply:
    """The form `text` opens for this person, or the answer they get instead: the reason
    they may not, or the command answered as typed where a form makes no sense now."""
    typed = command_from_text(person_id, text, platform)
    command = replace(typed, context={**typed.context, "prefill": clean_input(prefill)})
    context = context_for(session, command)
    entry = REGISTRY.form_opened_by(command.spec, command.args)
    if context is None or entry is None or command.spec is None:
        return handle(session, command)
    if not command.spec.allowed_for(context.roles):
        return context.reply("not_allowed", spec=command.spec)
    built = entry.build(context)
    return handle(session, command) if built is None else built


def submit(session: Session, submission: Submission) -> Outcome:
    """A filled-in form. Its problems come back per field and nothing of it is kept; a form
    nobody asked for (forged, or from an older version) is refused the same way."""
    entry = REGISTRY.forms.get(submission.form)
    command = Command(submission.person_id, None, "", "", submission.platform)
    context = context_for(session, command)
    field = entry.first_field if entry else "value"
    if context is None:
        return Outcome.problem(field, Texts(None).gettext("I don't know you yet."))
    if entry is None:
        return Outcome.problem(field, context.render("stale_button"))
    spec = COMMANDS_BY_KEY[entry.command]
    if not spec.allowed_for(context.roles):
        return Outcome.problem(entry.first_field, context.render("not_allowed", spec=spec))
    attempt = session.begin_nested()
    outcome = entry.submit(context, submission)
    if outcome.errors:
        attempt.rollback()
    else:
        attempt.commit()
    return outcome


def home(session: Session, person_id: int, platform: str) -> overview.HomePage | None:
    """A person's home page; None for someone the bot does not know."""
    context = context_for(session, Command(person_id, None, "", "", platform))
    return overview.home_page(context) if context else None
