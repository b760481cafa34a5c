"""The harvest in the conversation: what it brought after "done", `oogst` to read and add,
and a coordinator's one step from a harvest to a proof point in the message house."""

from __future__ import annotations

from sqlmodel import col, select

from bot.core.followup import AWAITING_HARVEST, Agreement
from bot.core.harvest.models import Harvest
from bot.core.harvest.proof import house_now, to_proof
from bot.core.harvest.records import (
    HarvestError,
    Names,
    add_harvest,
    is_coordinator,
    split_figure,
)
from bot.core.house import ProposalError
from bot.core.kernel import Button, Context, Reply, Verb, database_id

SHOWN = 10
WITH_BUTTONS = 5
ADD_WORDS = frozenset({"new", "nieuw", "add"})
PROOF_WORDS = frozenset({"proof", "bewijs"})
PROOF, PILLAR, UNDO = Verb("hvp"), Verb("hvq", arity=2), Verb("hvu")


def continue_harvest(context: Context, text: str) -> Reply | None:
    """What a finished agreement brought, as the message after pressing "done"."""
    if not (context.person.awaiting or "").startswith(AWAITING_HARVEST):
        return None
    agreement = awaited_agreement(context)
    return _add(context, text, agreement) if agreement else None


def awaited_agreement(context: Context) -> Agreement | None:
    """The agreement just marked done whose harvest we asked for, if any (a typed
    `oogst nieuw` then answers that question: Slack sends commands, not plain messages)."""
    awaiting = context.person.awaiting or ""
    if not awaiting.startswith(AWAITING_HARVEST):
        return None
    context.person.awaiting = None
    row_id = database_id(awaiting.removeprefix(AWAITING_HARVEST))
    agreement = context.session.get(Agreement, row_id) if row_id else None
    return agreement if agreement and agreement.alliance_id == context.alliance.id else None


def _add(context: Context, text: str, agreement: Agreement | None = None) -> Reply:
    sentence, figure = split_figure(text, context.texts.language)
    try:
        harvest = add_harvest(
            context.session, context.alliance, context.person, sentence, figure, agreement
        )
    except HarvestError:
        return context.reply("harvest_usage")
    return added_reply(context, harvest)


def added_reply(context: Context, harvest: Harvest) -> Reply:
    undo = Button(context.texts.gettext("Undo"), UNDO.action(harvest.id or 0))
    return context.reply("harvest_added", undo, harvest=harvest)


def handle_harvest(context: Context) -> Reply:
    """`oogst`: the latest results; `oogst nieuw <tekst> | <getal>` adds one;
    `oogst bewijs <nummer> <pijler>` makes one a proof point (coordinators)."""
    first, _space, rest = context.command.args.strip().partition(" ")
    if first.lower() in ADD_WORDS:
        if not rest.strip():
            return context.reply("harvest_usage")
        return _add(context, rest, awaited_agreement(context))
    if first.lower() in PROOF_WORDS:
        number, _space, pillar = rest.strip().partition(" ")
        if not pillar.strip().isdigit():
            return _ask_pillar(context, number)
        return _propose(context, number, int(pillar.strip()))
    session, alliance = context.session, context.alliance
    found = session.exec(
        select(Harvest)
        .where(Harvest.alliance_id == alliance.id)
        .order_by(col(Harvest.created_at).desc(), col(Harvest.id).desc())
        .limit(SHOWN)
    ).all()
    buttons: list[Button] = []
    if is_coordinator(session, context.person):
        unproposed = [h for h in found if h.proposal_id is None][:WITH_BUTTONS]
        label = context.texts.gettext("Proof point")
        buttons = [Button(f"{label} · {h.id}", PROOF.action(h.id or 0)) for h in unproposed]
    return context.reply("harvest", *buttons, harvests=found, names=Names.of(session, alliance))


def _harvest(context: Context, harvest_id: str) -> Harvest | None:
    row_id = database_id(harvest_id)
    harvest = context.session.get(Harvest, row_id) if row_id else None
    return harvest if harvest and harvest.alliance_id == context.alliance.id else None


def _ask_pillar(context: Context, harvest_id: str) -> Reply:
    """Which pillar? One button per pillar (or straight on when there is only one)."""
    harvest = _harvest(context, harvest_id)
    if harvest is None:
        return context.reply("harvest_error", code="unknown")
    if not is_coordinator(context.session, context.person):
        return context.refuse("harvest_error", code="not_coordinator")
    content = house_now(context.session, context.alliance)
    if content is None:
        return context.reply("harvest_error", code="no_house")
    if len(content.pillars) == 1:
        return _propose(context, harvest_id, 1)
    buttons = [
        Button(f"{n}. {p.title}"[:60], PILLAR.action(harvest.id or 0, n))
        for n, p in enumerate(content.pillars, start=1)
    ]
    return context.reply("harvest_which_pillar", *buttons, harvest=harvest)


def _propose(context: Context, harvest_id: str, pillar: int) -> Reply:
    harvest = _harvest(context, harvest_id)
    if harvest is None:
        return context.reply("harvest_error", code="unknown")
    try:
        proposal = to_proof(context.session, context.alliance, context.person, harvest, pillar)
    except HarvestError as error:
        return context.reply("harvest_error", code=error.code, details=error.details)
    except ProposalError as error:
        return context.reply("harvest_error", code=f"house_{error.code}")
    return context.reply("harvest_proposed", harvest=harvest, proposal=proposal, pillar=pillar)


def press_proof(context: Context, harvest_id: str) -> Reply:
    return _ask_pillar(context, harvest_id) if _harvest(context, harvest_id) else context.stale()


def press_pillar(context: Context, harvest_id: str, pillar: str) -> Reply:
    if _harvest(context, harvest_id) is None or not pillar.isdigit():
        return context.stale()
    if not is_coordinator(context.session, context.person):
        return context.refuse("harvest_error", code="not_coordinator")
    return _propose(context, harvest_id, int(pillar))


def press_undo(context: Context, harvest_id: str) -> Reply:
    """Take back a result just reported (by whoever reported it), unless it already went
    into a proposal."""
    harvest = _harvest(context, harvest_id)
    if harvest is None or harvest.proposal_id is not None:
        return context.stale()
    if harvest.person_id != context.person.id:
        return context.refuse("harvest_error", code="not_yours")
    context.session.delete(harvest)
    context.audit("harvest.undone", harvest=harvest.id)
    return context.reply("harvest_undone")
