"""Replacing an open proposal from chat: asked first, and undone for a while.

An open proposal carries the partners' endorsements, which took them time to give;
`voorstel … // vervang` throws those away with it. So the replacement waits for a press
of its button (the typed text is kept with the person meanwhile), and for `UNDO_WINDOW`
afterwards the proposer can bring the old proposal back, with its endorsements, by a
button or `voorstel herstel`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from markupsafe import Markup
from sqlmodel import col, select

from bot.core.house.content import open_proposal
from bot.core.house.models import Proposal, ProposalState
from bot.core.house.proposals import proposal_status
from bot.core.kernel import Button, Context, Person, Reply, Role, Verb, database_id, utcnow
from bot.core.outbox import DeliveryKind, Subject, cancel_pending

CONFIRM_REPLACE, UNDO_REPLACE = Verb("hrc"), Verb("hru")
UNDO_WINDOW = timedelta(minutes=30)
AWAITING_REPLACE = "house_replace:"
UNDO_WORDS = frozenset({"undo", "herstel"})


def ask_to_replace(context: Context, existing: Proposal, typed: str) -> Reply:
    """Keep what was typed, and ask before the open proposal (and its answers) goes."""
    status = proposal_status(context.session, context.alliance, existing)
    context.person.awaiting = f"{AWAITING_REPLACE}{existing.id}:{typed}"
    proposer = context.session.get(Person, existing.proposed_by_id or 0)
    button = Button(
        context.texts.gettext("Replace it"), CONFIRM_REPLACE.action(existing.id or 0), "danger"
    )
    return context.reply(
        "house_replace_confirm",
        button,
        proposal=existing,
        proposer=proposer.name if proposer else None,
        endorsed=len(status.endorsed),
        objected=len(status.objected),
        minutes=int(UNDO_WINDOW.total_seconds() // 60),
    )


def pending_replacement(context: Context, proposal_id: str) -> str | None:
    """The text kept for this button's proposal; None when it is stale."""
    awaiting = context.person.awaiting or ""
    row_id = database_id(proposal_id)
    prefix = f"{AWAITING_REPLACE}{row_id}:"
    existing = open_proposal(context.session, context.alliance.id or 0)
    if row_id is None or not awaiting.startswith(prefix) or existing is None:
        return None
    if existing.id != row_id:
        return None
    context.person.awaiting = None
    return awaiting.removeprefix(prefix)


def undo_button(context: Context, proposal: Proposal) -> Button:
    return Button(context.texts.gettext("Undo"), UNDO_REPLACE.action(proposal.id or 0))


def replaced_intro(context: Context) -> Markup:
    minutes = int(UNDO_WINDOW.total_seconds() // 60)
    return Markup(context.render("house_replaced", minutes=minutes))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def undo_replacement(context: Context, proposal_id: int | None) -> Reply:
    """Bring back the proposal this person's newest one replaced, within the window."""
    if Role.ADVISER not in context.person.role_set:
        return context.refuse("house_error", code="not_adviser", line="")
    session, alliance = context.session, context.alliance
    current = open_proposal(session, alliance.id or 0)
    if proposal_id is not None and (current is None or current.id != proposal_id):
        return context.stale()  # its button: that proposal is no longer the open one
    if current is None:
        return context.reply("house_undo_not_possible", reason="nothing")
    if current.proposed_by_id != context.person.id:
        return context.reply("house_undo_not_possible", reason="not_yours")
    if utcnow() - _aware(current.created_at) > UNDO_WINDOW:
        return context.reply("house_undo_not_possible", reason="too_late")
    previous = session.exec(
        select(Proposal)
        .where(Proposal.alliance_id == alliance.id, Proposal.status == ProposalState.REPLACED)
        .order_by(col(Proposal.decided_at).desc(), col(Proposal.id).desc())
    ).first()
    if previous is None:
        return context.reply("house_undo_not_possible", reason="nothing")
    current.status, current.decided_at = ProposalState.WITHDRAWN, utcnow()
    cancel_pending(session, DeliveryKind.HOUSE, Subject(proposal_id=current.id))
    session.flush()
    previous.status, previous.decided_at = ProposalState.OPEN, None
    session.flush()
    context.audit("house.replacement_undone", restored=previous.id, withdrawn=current.id)
    return context.reply("house_undone", proposal=previous)
