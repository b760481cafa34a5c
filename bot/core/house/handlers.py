"""Chat commands and buttons for the message house: propose, endorse, object, notes."""

from __future__ import annotations

import dataclasses

from markupsafe import Markup
from sqlmodel import Session, col, select

from bot.core.house.content import (
    HouseContent,
    current_version,
    house_markup,
    house_view,
    open_proposal,
    version_content,
)
from bot.core.house.diff import Change, diff_houses
from bot.core.house.format import FormatError, format_house, parse_proposal
from bot.core.house.models import (
    EndorsementVerdict,
    HouseVersion,
    PartnerNote,
    Proposal,
    ProposalState,
)
from bot.core.house.notices import answer_buttons, notify_adopted, notify_proposal, partner_answered
from bot.core.house.proposals import (
    ProposalError,
    ProposalStatus,
    Verdict,
    answer,
    proposal_status,
    propose,
    version_by_number,
    withdraw,
)
from bot.core.house.replacing import (
    UNDO_WORDS,
    ask_to_replace,
    pending_replacement,
    replaced_intro,
    undo_button,
    undo_replacement,
)
from bot.core.kernel import Alliance, Context, Partner, Person, Reply, Role, database_id, utcnow

WITHDRAW_WORDS = frozenset({"withdraw", "intrekken"})


def _current(context: Context) -> HouseContent | None:
    version = current_version(context.session, context.alliance.id or 0)
    return version_content(context.session, version) if version else None


def changes_against_current(context: Context, content: HouseContent) -> list[Change]:
    current = _current(context)
    return diff_houses(current, content) if current else []


def _error(context: Context, error: ProposalError | FormatError) -> Reply:
    return context.reply(
        "house_error", code=error.code, line=getattr(error, "line", ""), **_details(error)
    )


def _details(error: ProposalError | FormatError) -> dict[str, object]:
    return dict(error.details) if isinstance(error, ProposalError) else {}


def status_reply(context: Context, status: ProposalStatus, intro: Markup | None = None) -> Reply:
    """An open proposal as advisers see it: what changes, who answered, and the buttons."""
    changes = changes_against_current(context, status.content)
    buttons = answer_buttons(context.texts, status.proposal.id or 0)
    return context.reply("house_proposal", *buttons, status=status, changes=changes, intro=intro)


def handle_propose(context: Context) -> Reply:
    args = context.command.args.strip()
    session, alliance = context.session, context.alliance
    if args.lower() in WITHDRAW_WORDS:
        try:
            withdraw(session, alliance, context.person)
        except ProposalError as error:
            return _error(context, error)
        return context.reply("house_withdrawn")
    if args.lower() in UNDO_WORDS:
        return undo_replacement(context, None)
    if not args:
        proposal = open_proposal(session, alliance.id or 0)
        if proposal is not None:
            return status_reply(context, proposal_status(session, alliance, proposal))
        current = _current(context)
        example = format_house(current, context.texts.language) if current else ""
        return context.reply("house_propose_help", example=example)
    return _propose_typed(context, args, confirmed=False)


def _propose_typed(context: Context, args: str, confirmed: bool) -> Reply:
    """Open the typed proposal; replacing an open one waits for its button first."""
    session, alliance = context.session, context.alliance
    try:
        parsed = parse_proposal(args)
        content = parsed.content(_current(context))
        existing = open_proposal(session, alliance.id or 0)
        if parsed.replace and existing is not None and not confirmed:
            return ask_to_replace(context, existing, args)
        status, asked = submit_proposal(
            session, alliance, context.person, content, parsed.reason, parsed.replace
        )
    except (ProposalError, FormatError) as error:
        return _error(context, error)
    intro = Markup(context.render("house_proposed", asked=asked))
    reply = status_reply(context, status, intro=intro)
    if not (parsed.replace and existing is not None):
        return reply
    return dataclasses.replace(
        reply,
        blocks=Reply.from_markup(replaced_intro(context)).blocks + reply.blocks,
        buttons=(*reply.buttons, undo_button(context, status.proposal)),
    )


def press_confirm_replace(context: Context, proposal_id: str) -> Reply:
    typed = pending_replacement(context, proposal_id)
    if typed is None:
        return context.stale()
    return _propose_typed(context, typed, confirmed=True)


def press_undo_replace(context: Context, proposal_id: str) -> Reply:
    row_id = database_id(proposal_id)
    return context.stale() if row_id is None else undo_replacement(context, row_id)


def submit_proposal(
    session: Session,
    alliance: Alliance,
    person: Person,
    content: HouseContent,
    reason: str,
    replace: bool = False,
    *,
    reason_required: bool = True,
) -> tuple[ProposalStatus, int]:
    """Open a proposal and ask the partners: the same flow for chat and command line."""
    version = current_version(session, alliance.id or 0)
    current = version_content(session, version) if version else None
    proposal = propose(
        session, alliance, person, content, reason, replace, reason_required=reason_required
    )
    status = proposal_status(session, alliance, proposal)
    changes = diff_houses(current, content) if current else []
    return status, notify_proposal(session, alliance, status, changes)


def submit_answer(
    session: Session, alliance: Alliance, person: Person, verdict: Verdict, reason: str = ""
) -> tuple[ProposalStatus, HouseVersion | None]:
    """Record a partner's answer, tell who needs to know, and adopt when consent is complete."""
    status, adopted = answer(session, alliance, person, verdict, reason)
    partner = session.get(Partner, person.partner_id)
    assert partner is not None
    partner_answered(session, alliance, status, partner, person)
    if adopted is not None:
        previous = version_by_number(session, alliance, adopted.version - 1)
        before = version_content(session, previous) if previous else None
        changes = diff_houses(before, status.content) if before else []
        notify_adopted(session, alliance, adopted, changes)
    return status, adopted


def _answer(context: Context, verdict: Verdict, reason: str) -> Reply:
    session, alliance = context.session, context.alliance
    try:
        status, adopted = submit_answer(session, alliance, context.person, verdict, reason)
    except ProposalError as error:
        return _error(context, error)
    partner = session.get(Partner, context.person.partner_id)
    assert partner is not None
    if adopted is not None:
        return context.reply("house_adopted", version=adopted, partner=partner)
    intro = Markup(context.render("house_answered", verdict=verdict, partner=partner))
    return status_reply(context, status, intro=intro)


def handle_endorse(context: Context) -> Reply:
    return _answer(context, EndorsementVerdict.ENDORSE, "")


def handle_object(context: Context) -> Reply:
    return _answer(context, EndorsementVerdict.OBJECT, context.command.args)


def handle_note(context: Context) -> Reply:
    """`notitie 2 <text>` sets the note for pillar 2; `notitie` lists your partner's notes."""
    session, person = context.session, context.person
    partner = session.get(Partner, person.partner_id) if person.partner_id else None
    view = house_view(session, context.alliance)
    if partner is None or view is None:
        return context.reply("house_error", code="no_partner" if view else "no_house", line="")
    number, _space, text = context.command.args.strip().partition(" ")
    pillars = view.content.pillars
    notes = {
        n.pillar_title: n
        for n in session.exec(select(PartnerNote).where(PartnerNote.partner_id == partner.id))
    }
    if not number:
        return context.reply("house_notes", partner=partner, pillars=pillars, notes=notes)
    if not number.isdigit() or not 1 <= int(number) <= len(pillars) or not text.strip():
        return context.reply("house_note_usage", count=len(pillars))
    title = pillars[int(number) - 1].title
    note = notes.get(title) or PartnerNote(partner_id=partner.id or 0, pillar_title=title)
    note.text = text.strip()
    note.updated_by_id = person.id
    note.updated_at = utcnow()
    session.add(note)
    context.audit("house.note", partner=partner.key, pillar=title)
    return context.reply("house_note_set", partner=partner, title=title)


def notes_for(session: Session, partner: Partner) -> dict[str, str]:
    """A partner's notes by pillar title (toolkit snippets use them)."""
    return {
        n.pillar_title: n.text
        for n in session.exec(
            select(PartnerNote)
            .where(PartnerNote.partner_id == partner.id)
            .order_by(col(PartnerNote.pillar_title))
        )
    }


def press_answer(context: Context, verdict: Verdict, proposal_id: str) -> Reply:
    """A button under a proposal; a button of an older proposal says so politely."""
    row_id = database_id(proposal_id)
    proposal = context.session.get(Proposal, row_id) if row_id else None
    if (
        proposal is None
        or proposal.status != ProposalState.OPEN
        or proposal.alliance_id != context.alliance.id
    ):
        return context.stale()
    # someone who cannot answer for a partner is refused before either button does anything
    if Role.ADVISER not in context.person.role_set:
        return context.refuse("house_error", code="not_adviser", line="")
    person = context.person
    partner = context.session.get(Partner, person.partner_id) if person.partner_id else None
    if partner is None or not partner.active:
        return context.refuse("house_error", code="no_partner", line="")
    if verdict == EndorsementVerdict.OBJECT:
        return context.reply("house_object_how")
    return handle_endorse(context)


def handle_house(context: Context) -> Reply:
    """The house as this person's partner reads it: with that partner's own notes."""
    session, person = context.session, context.person
    partner = session.get(Partner, person.partner_id) if person.partner_id else None
    notes = notes_for(session, partner) if partner else {}
    markup = house_markup(session, context.alliance, context.texts, partner, notes, cmd=context.cmd)
    return Reply.from_markup(markup)
