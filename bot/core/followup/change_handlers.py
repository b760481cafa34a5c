"""Moving and letting go of an agreement in the conversation: typed, or with buttons.

`afspraak A12` shows one agreement with its history and the buttons to move it or let it
go (`change_extras`); a button asks for what is missing (the new date and why, or why) as
the next message.
`afspraken verzet A12 2026-12-20 <reden>` and `afspraken loslaten A12 <reden>` do it in one
line. Each change answers with an undo button, because a tap is easily a mistake.
"""

from __future__ import annotations

import re
from datetime import date

from bot.core.followup.changes import (
    SETTLED,
    Actor,
    ChangeError,
    drop_agreement,
    find_agreement,
    history,
    may_change,
    move_agreement,
    undo_change,
)
from bot.core.followup.models import Agreement, AgreementChange
from bot.core.kernel import (
    Button,
    Context,
    Person,
    Reply,
    Verb,
    database_id,
)

MOVE_WORDS = frozenset({"move", "verzet", "verzetten"})
DROP_WORDS = frozenset({"drop", "loslaten", "laatlos"})
FIXABLE = frozenset({"not_a_date", "no_reason", "same_due", "before_made"})
CANCEL_WORDS = frozenset({"stop", "cancel", "annuleer", "annuleren"})
AWAITING_MOVE = "move:"
AWAITING_DROP = "drop:"
MOVE, DROP, UNDO = Verb("amv"), Verb("adr"), Verb("aun")
_MOVE = re.compile(r"^(?P<key>\S+)\s+(?P<due>\S+)\s*(?P<reason>.*)$", re.S)
_DATE = re.compile(r"^(?P<due>\S+)\s*(?P<reason>.*)$", re.S)


def change_buttons(context: Context, agreement: Agreement) -> list[Button]:
    texts = context.texts
    return [
        Button(texts.gettext("Move"), MOVE.action(agreement.id or 0)),
        Button(texts.gettext("Let go"), DROP.action(agreement.id or 0), "danger"),
    ]


def change_extras(
    context: Context, agreement: Agreement
) -> tuple[list[Button], list[AgreementChange], dict[int, str]]:
    """For one agreement's page: the move, let-go and undo buttons this person may use, and
    its history (every change, with who made it)."""
    session, person = context.session, context.person
    allowed = may_change(person, agreement)
    buttons = (
        change_buttons(context, agreement) if allowed and agreement.status not in SETTLED else []
    )
    changes = history(session, agreement)
    live = [c for c in changes if c.undone_at is None]
    if live and allowed:
        label = context.texts.gettext("Undo last change")
        buttons.append(Button(label, UNDO.action(live[-1].id or 0)))
    people: dict[int, str] = {}
    for change in changes:
        who = session.get(Person, change.person_id) if change.person_id else None
        if who is not None:
            people[change.person_id or 0] = who.name
    return buttons, changes, people


def _agreement(context: Context, agreement_id: str) -> Agreement | None:
    row_id = database_id(agreement_id)
    agreement = context.session.get(Agreement, row_id) if row_id else None
    if agreement is None or agreement.alliance_id != context.alliance.id:
        return None
    return agreement


def press_change(context: Context, awaiting: str, agreement_id: str) -> Reply:
    """Move or let go: ask for the rest as the next message."""
    agreement = _agreement(context, agreement_id)
    if agreement is None or agreement.status in SETTLED:
        return context.stale()
    if not may_change(context.person, agreement):
        return context.refuse("agreements_not_yours")
    context.person.awaiting = f"{awaiting}{agreement.id}"
    template = "agreements_move_ask" if awaiting == AWAITING_MOVE else "agreements_drop_ask"
    slack = context.command.platform == "slack"  # Slack brings commands, not plain messages
    return context.reply(template, agreement=agreement, slack=slack)


def continue_change(context: Context, text: str) -> Reply | None:
    """The new date and reason, or the reason, after a move or let-go button."""
    awaiting = context.person.awaiting or ""
    kind = next((a for a in (AWAITING_MOVE, AWAITING_DROP) if awaiting.startswith(a)), None)
    if kind is None:
        return None
    row_id = database_id(awaiting.removeprefix(kind))
    agreement = context.session.get(Agreement, row_id) if row_id else None
    if agreement is None or text.strip().lower() in CANCEL_WORDS:
        context.person.awaiting = None
        return context.reply("agreements_change_cancelled")
    if kind == AWAITING_DROP:
        reply, finished = _drop(context, agreement, text)
    else:
        match = _DATE.match(text.strip())
        if match is None:
            return context.reply("agreements_change_error", code="usage_move_reply", key="")
        reply, finished = _move(context, agreement, match.group("due"), match.group("reason"))
    if finished:  # a problem the next message can fix keeps the question open
        context.person.awaiting = None
    return reply


def typed_change(context: Context, word: str, rest: str) -> Reply:
    """`afspraken verzet KEY DATUM reden` / `afspraken loslaten KEY reden`."""
    if word in MOVE_WORDS:
        match = _MOVE.match(rest)
        agreement = (
            find_agreement(context.session, context.alliance, match.group("key")) if match else None
        )
        if match is None:
            return context.reply("agreements_change_error", code="usage_move", key="")
        if agreement is None:
            return context.reply("agreements_change_error", code="unknown", key=match.group("key"))
        return _move(context, agreement, match.group("due"), match.group("reason"))[0]
    key, _space, reason = rest.partition(" ")
    if not key:
        return context.reply("agreements_change_error", code="usage_drop", key="")
    agreement = find_agreement(context.session, context.alliance, key)
    if agreement is None:
        return context.reply("agreements_change_error", code="unknown", key=key)
    return _drop(context, agreement, reason)[0]


def _move(context: Context, agreement: Agreement, due_text: str, reason: str) -> tuple[Reply, bool]:
    """The reply, and whether the question is finished (moved, or a problem that another
    try cannot fix)."""
    try:
        due = date.fromisoformat(due_text)
    except ValueError:
        return _problem(context, "not_a_date", agreement, value=due_text), False  # try again
    try:
        change = move_agreement(
            context.session, context.alliance, agreement, due, reason, Actor.of(context.person)
        )
    except ChangeError as error:
        return _problem(context, error.code, agreement, **error.details), error.code not in FIXABLE
    return _changed(context, agreement, change), True


def _drop(context: Context, agreement: Agreement, reason: str) -> tuple[Reply, bool]:
    try:
        change = drop_agreement(
            context.session, context.alliance, agreement, reason, Actor.of(context.person)
        )
    except ChangeError as error:
        return _problem(context, error.code, agreement, **error.details), error.code not in FIXABLE
    return _changed(context, agreement, change), True


def _problem(context: Context, code: str, agreement: Agreement, **details: object) -> Reply:
    if code == "not_yours":
        return context.refuse("agreements_not_yours")
    return context.reply("agreements_change_error", code=code, key=agreement.key, details=details)


def _changed(context: Context, agreement: Agreement, change: AgreementChange) -> Reply:
    undo = Button(context.texts.gettext("Undo"), UNDO.action(change.id or 0))
    return context.reply("agreements_changed", undo, agreement=agreement, change=change)


def press_undo(context: Context, change_id: str) -> Reply:
    row_id = database_id(change_id)
    if row_id is None:
        return context.stale()
    try:
        agreement, change = undo_change(
            context.session, context.alliance, row_id, Actor.of(context.person)
        )
    except ChangeError as error:
        if error.code == "not_yours":
            return context.refuse("agreements_not_yours")
        return context.stale()
    return context.reply("agreements_change_undone", agreement=agreement, change=change)
