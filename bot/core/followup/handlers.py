"""Chat commands and buttons for agreements: list, add, and answer a check-in."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from sqlmodel import col, select

from bot.core.followup.agreements import (
    CLOSED,
    EntryError,
    NewAgreement,
    register_agreement,
)
from bot.core.followup.change_handlers import (
    DROP_WORDS,
    MOVE_WORDS,
    change_extras,
    typed_change,
)
from bot.core.followup.checkins import ANSWERS, checkin_buttons, may_answer, record_answer
from bot.core.followup.listing import (
    MORE,
    OPEN,
    PAGE_SIZE,
    Filter,
    Narrow,
    Unknown,
    find_agreement,
    matching,
    parse_filter,
    stuck_reasons,
)
from bot.core.followup.models import Agreement, CheckIn, CheckInStatus
from bot.core.kernel import (
    Button,
    Context,
    Partner,
    Region,
    Reply,
    Role,
    Texts,
    Verb,
    database_id,
    utcnow,
)
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_delivery

WITH_BUTTONS = 3
RECENT_CHECKINS = 3
# how the reader types a state again, for "next page" hints
STATE_TYPED = {
    "nl": {
        Narrow.LATE: "te laat",
        Narrow.STUCK: "vast",
        Narrow.ON_TRACK: "op schema",
        Narrow.DONE: "klaar",
        Narrow.OPEN: "open",
    },
    "en": {
        Narrow.LATE: "late",
        Narrow.STUCK: "stuck",
        Narrow.ON_TRACK: "on track",
        Narrow.DONE: "done",
        Narrow.OPEN: "open",
    },
}
NEW_WORDS = frozenset({"new", "nieuw"})
AWAITING_STUCK = "stuck:"
AWAITING_HARVEST = "harvest:"  # `bot.core.harvest` takes the answer (what it brought)
SKIP_HARVEST = Verb("hvs")
_NEW = re.compile(
    r"^(?P<partner>[a-z0-9][a-z0-9_-]*)\s+(?P<due>\d{4}-\d{2}-\d{2})\s+(?P<text>.+)$", re.S
)


def handle_agreements(context: Context) -> Reply:
    """`afspraken [partner|regio] [te laat|vast|op schema|klaar] [pagina]`: a page of the
    agreements (others than advisers: their own organisation's); `afspraken nieuw …`."""
    first, _space, rest = context.command.args.strip().partition(" ")
    if first.lower() in NEW_WORDS:
        return _new(context, rest.strip())
    if first.lower() in MOVE_WORDS | DROP_WORDS:
        return typed_change(context, first.lower(), rest.strip())
    person = context.person
    if Role.ADVISER not in person.role_set and person.partner_id is None:
        return context.reply("agreements_no_partner")
    wanted = parse_filter(context.session, context.alliance, context.command.args)
    if isinstance(wanted, Unknown):
        return _filter_help(context, wanted.word)
    return agreements_page(context, wanted)


def _filter_help(context: Context, word: str) -> Reply:
    session, alliance = context.session, context.alliance
    partners = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id).order_by(col(Partner.key))
    ).all()
    regions = session.exec(
        select(Region).where(Region.alliance_id == alliance.id).order_by(col(Region.key))
    ).all()
    return context.reply(
        "agreements_filter_help",
        word=word,
        partners=[p.key for p in partners],
        regions=[r.key for r in regions],
    )


def agreements_page(context: Context, wanted: Filter) -> Reply:
    session, person = context.session, context.person
    adviser = Role.ADVISER in person.role_set
    if not adviser:
        wanted = replace(wanted, partner_id=person.partner_id or 0)
    today = context.today()
    found = matching(session, context.alliance, wanted, today)
    pages = max(1, -(-len(found) // PAGE_SIZE))
    page = min(wanted.page, pages)
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    buttons = [Button(a.key, OPEN.action(a.id or 0)) for a in shown]
    if page < pages:
        more = context.texts.gettext(
            "More (page %(page)s of %(pages)s)", page=page + 1, pages=pages
        )
        buttons.append(Button(more, MORE.action(wanted.code(), page + 1), "primary"))
    mine = [a for a in shown if a.owner_partner_id == person.partner_id and a.status not in CLOSED]
    for agreement in mine[:WITH_BUTTONS]:
        done, on_track, stuck, _help = checkin_buttons(context.texts, agreement.id or 0)
        buttons.extend(
            Button(f"{b.label} · {agreement.key}", b.action, b.style)
            for b in (done, on_track, stuck)
        )
    return context.reply(
        "agreements",
        *buttons,
        agreements=shown,
        total=len(found),
        page=page,
        pages=pages,
        wanted=wanted,
        names=_names(context),
        reasons=stuck_reasons(session, shown),
        today=today,
        adviser=adviser,
        next_page=f"{context.cmd('agreements')} {_filter_words(context, wanted)}{page + 1}",
    )


def _names(context: Context) -> dict[str, dict[int, str]]:
    session, alliance = context.session, context.alliance
    return {
        "partners": {
            p.id or 0: p.name
            for p in session.exec(select(Partner).where(Partner.alliance_id == alliance.id))
        },
        "regions": {
            r.id or 0: r.name
            for r in session.exec(select(Region).where(Region.alliance_id == alliance.id))
        },
    }


def _filter_words(context: Context, wanted: Filter) -> str:
    """The words that select the same list again, to type with a page number."""
    words: list[str] = []
    if wanted.partner_id and Role.ADVISER in context.person.role_set:
        partner = context.session.get(Partner, wanted.partner_id)
        words.append(partner.key if partner else "")
    if wanted.region_id:
        region = context.session.get(Region, wanted.region_id)
        words.append(region.key if region else "")
    if wanted.state != Narrow.OPEN:
        words.append(STATE_TYPED[context.texts.language][wanted.state])
    return "".join(f"{w} " for w in words if w)


def press_more(context: Context, code: str, page: str) -> Reply:
    wanted = Filter.from_code(code, page)
    if wanted is None:
        return context.stale()
    return agreements_page(context, wanted)


def handle_agreement(context: Context) -> Reply:
    """`afspraak A012` (or `afspraak 12`): one agreement in full."""
    typed = context.command.args.strip()
    agreement = find_agreement(context.session, context.alliance, typed)
    if agreement is None:
        return context.reply("agreement_unknown", typed=typed[:40])
    return _detail(context, agreement)


def press_open(context: Context, agreement_id: str) -> Reply:
    row_id = database_id(agreement_id)
    agreement = context.session.get(Agreement, row_id) if row_id else None
    if agreement is None or agreement.alliance_id != context.alliance.id:
        return context.stale()
    return _detail(context, agreement)


def _detail(context: Context, agreement: Agreement) -> Reply:
    person = context.person
    if Role.ADVISER not in person.role_set and person.partner_id != agreement.owner_partner_id:
        return context.reply("agreements_not_yours")
    checkins = context.session.exec(
        select(CheckIn)
        .where(CheckIn.agreement_id == agreement.id)
        .order_by(col(CheckIn.created_at).desc(), col(CheckIn.id).desc())
        .limit(RECENT_CHECKINS)
    ).all()
    buttons: tuple[Button, ...] = ()
    if agreement.status not in CLOSED and may_answer(person, agreement):
        buttons = checkin_buttons(context.texts, agreement.id or 0)
    more, changes, people = change_extras(context, agreement)
    return context.reply(
        "agreement",
        *buttons,
        *more,
        changes=changes,
        people=people,
        agreement=agreement,
        names=_names(context),
        checkins=[(c, context.local(c.created_at).date()) for c in checkins],
        reason=stuck_reasons(context.session, [agreement]).get(agreement.id or 0),
        today=context.today(),
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
        adviser = Role.ADVISER in context.person.role_set
        return context.reply("agreements_stuck_settled", agreement=agreement, adviser=adviser)
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


def first_visible_key(context: Context) -> str | None:
    """An agreement this person may open (for help's example): their own first."""
    query = select(Agreement.key).where(Agreement.alliance_id == context.alliance.id)
    if Role.ADVISER not in context.person.role_set:
        query = query.where(Agreement.owner_partner_id == (context.person.partner_id or 0))
    return context.session.exec(query.order_by(col(Agreement.key)).limit(1)).first()


def stuck_in_flags(context: Context) -> Reply | None:
    """Under the advisers' `aandachtspunten`: the stuck agreements and why they are stuck,
    where advisers look for what needs them (not on a plain `ack`)."""
    if context.command.args.strip():
        return None
    wanted = Filter(state=Narrow.STUCK)
    stuck = matching(context.session, context.alliance, wanted, context.today())
    return context.reply(
        "agreements_stuck_section",
        agreements=stuck[:PAGE_SIZE],
        total=len(stuck),
        names=_names(context),
        reasons=stuck_reasons(context.session, stuck[:PAGE_SIZE]),
        more=f"{context.cmd('agreements')} {STATE_TYPED[context.texts.language][Narrow.STUCK]}",
    )
