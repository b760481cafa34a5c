"""Chat commands and buttons for agreements: list, add, and answer a check-in."""

from __future__ import annotations

import re
from datetime import date

from sqlmodel import col, select

from bot.core.followup.agreements import (
    CLOSED,
    EntryError,
    NewAgreement,
    list_agreements,
    register_agreement,
)
from bot.core.followup.change_handlers import (
    DETAIL,
    DROP_WORDS,
    MOVE_WORDS,
    detail_by_key,
    typed_change,
)
from bot.core.followup.checkins import ANSWERS, checkin_buttons, may_answer, record_answer
from bot.core.followup.models import Agreement, CheckInStatus
from bot.core.kernel import (
    Button,
    Context,
    Partner,
    Reply,
    Role,
    Texts,
    Verb,
    database_id,
    local_date,
    utcnow,
)
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_delivery

SHOWN = 15
WITH_BUTTONS = 5
NEW_WORDS = frozenset({"new", "nieuw"})
AWAITING_STUCK = "stuck:"
AWAITING_HARVEST = "harvest:"  # `bot.core.harvest` takes the answer (what it brought)
SKIP_HARVEST = Verb("hvs")
_NEW = re.compile(
    r"^(?P<partner>[a-z0-9][a-z0-9_-]*)\s+(?P<due>\d{4}-\d{2}-\d{2})\s+(?P<text>.+)$", re.S
)


def handle_agreements(context: Context) -> Reply:
    """`afspraken`: mine (advisers: all open ones); `afspraken nieuw <partner> <datum> <tekst>`."""
    first, _space, rest = context.command.args.strip().partition(" ")
    if first.lower() in NEW_WORDS:
        return _new(context, rest.strip())
    if first.lower() in MOVE_WORDS | DROP_WORDS:
        return typed_change(context, first.lower(), rest.strip())
    if first:
        shown = detail_by_key(context, first)
        return shown or context.reply("agreements_change_error", code="unknown", key=first)
    session, person = context.session, context.person
    adviser = Role.ADVISER in person.role_set
    if not adviser and person.partner_id is None:
        return context.reply("agreements_no_partner")
    agreements = list_agreements(
        session, context.alliance, None if adviser else person.partner_id, open_only=True
    )
    partners = {
        p.id: p.name
        for p in session.exec(select(Partner).where(Partner.alliance_id == context.alliance.id))
    }
    mine = [a for a in agreements if a.owner_partner_id == person.partner_id][:WITH_BUTTONS]
    buttons: list[Button] = []
    for agreement in mine:
        done, on_track, stuck, _help = checkin_buttons(context.texts, agreement.id or 0)
        more = Button(context.texts.gettext("More"), DETAIL.action(agreement.id or 0))
        buttons.extend(
            Button(f"{b.label} · {agreement.key}", b.action, b.style)
            for b in (done, on_track, stuck, more)
        )
    return context.reply(
        "agreements",
        *buttons,
        agreements=agreements[:SHOWN],
        total=len(agreements),
        partners=partners,
        today=local_date(utcnow(), person, context.alliance),  # overdue where they are
        adviser=adviser,
    )


def _new(context: Context, text: str) -> Reply:
    if Role.ADVISER not in context.person.role_set:
        return context.reply("agreements_new_adviser_only")
    match = _NEW.match(text)
    try:
        due = date.fromisoformat(match.group("due")) if match else None
    except ValueError:
        due = None
    if match is None or due is None:
        return context.reply("agreements_new_usage")
    new = NewAgreement(match.group("text"), match.group("partner"), due, source="chat")
    try:
        agreement = register_agreement(
            context.session, context.alliance, context.person, new, utcnow().date()
        )
    except EntryError as error:
        return context.reply("agreements_entry_error", error=error, partners=partner_keys(context))
    partner = context.session.get(Partner, agreement.owner_partner_id)
    return context.reply("agreements_new_done", agreement=agreement, partner=partner)


def partner_keys(context: Context) -> list[str]:
    return [
        p.key
        for p in context.session.exec(
            select(Partner)
            .where(Partner.alliance_id == context.alliance.id, col(Partner.active))
            .order_by(col(Partner.key))
        )
    ]


def press_checkin(context: Context, verb: str, agreement_id: str) -> Reply:
    row_id = database_id(agreement_id)
    agreement = context.session.get(Agreement, row_id) if row_id else None
    if agreement is None or agreement.alliance_id != context.alliance.id:
        return context.stale()
    if not may_answer(context.person, agreement):
        return context.refuse("agreements_not_yours")
    if agreement.status in CLOSED:
        return context.stale()
    answer = ANSWERS[verb]
    if answer == CheckInStatus.STUCK:
        context.person.awaiting = f"{AWAITING_STUCK}{agreement.id}"
        return context.reply("agreements_stuck_ask", agreement=agreement)
    record_answer(context.session, agreement, context.person, answer)
    if answer == CheckInStatus.NEED_HELP:
        _ask_advisers(context, agreement)
    if answer == CheckInStatus.DONE:
        return ask_harvest(context, agreement)
    return context.reply("agreements_answered", agreement=agreement, answer=answer)


def ask_harvest(context: Context, agreement: Agreement) -> Reply:
    """Done: thanks, and what did it bring? The next message answers (`bot.core.harvest`);
    one tap skips it."""
    context.person.awaiting = f"{AWAITING_HARVEST}{agreement.id}"
    skip = Button(context.texts.gettext("Skip"), SKIP_HARVEST.action(agreement.id or 0))
    slack = context.command.platform == "slack"  # there: `oogst nieuw …` answers it
    return context.reply("agreements_done_harvest", skip, agreement=agreement, slack=slack)


def press_skip_harvest(context: Context, agreement_id: str) -> Reply:
    if context.person.awaiting != f"{AWAITING_HARVEST}{agreement_id}":
        return context.stale()
    context.person.awaiting = None
    return context.reply("agreements_harvest_skipped")


def continue_stuck(context: Context, text: str) -> Reply | None:
    """The reason after pressing "stuck"; None when that is not what we were waiting for.

    The reason may come much later than the press, and meanwhile someone may have marked
    the agreement done or dropped it. A settled agreement stays settled: a late reason
    must not quietly reopen it as "stuck" (and undo the harvest of a finished one), so the
    person hears what happened instead and the bot stops waiting."""
    awaiting = context.person.awaiting or ""
    if not awaiting.startswith(AWAITING_STUCK):
        return None
    context.person.awaiting = None
    row_id = database_id(awaiting.removeprefix(AWAITING_STUCK))
    agreement = context.session.get(Agreement, row_id) if row_id else None
    if agreement is None:
        return None
    if agreement.status in CLOSED:
        return context.reply("agreements_stuck_settled", agreement=agreement)
    record_answer(context.session, agreement, context.person, CheckInStatus.STUCK, text[:500])
    return context.reply("agreements_answered", agreement=agreement, answer=CheckInStatus.STUCK)


def _ask_advisers(context: Context, agreement: Agreement) -> None:
    alliance = context.alliance
    if not alliance.adviser_channel:
        return
    partner = context.session.get(Partner, agreement.owner_partner_id)
    texts = Texts(alliance.language)
    plan_delivery(
        context.session,
        alliance,
        Plan(
            dedupe_key=f"help:{agreement.id}:{utcnow().date().isoformat()}",
            kind=DeliveryKind.NOTICE,
            body=texts.render(
                "agreements_help_notice",
                agreement=agreement,
                partner=partner,
                person=context.person,
            ),
            due_at=utcnow(),
            channel=alliance.adviser_channel,
            subject=Subject(agreement_id=agreement.id),
        ),
    )
