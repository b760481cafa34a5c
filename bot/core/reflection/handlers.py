"""The phase and the learning agenda in the conversation."""

from __future__ import annotations

from markupsafe import Markup

from bot.core.consent import (
    ConsentError,
    DecisionKind,
    error_reply,
    open_decision,
    status,
    status_reply,
    submit_proposal,
)
from bot.core.kernel import Context, Reply, Role, database_id
from bot.core.reflection.learning import LearningError, add_item, close_item, learning_items
from bot.core.reflection.phase import changes_of, current_phase, parse_phase, phase_name

PROPOSE_WORDS = frozenset({"propose", "voorstel"})
REPLACE_WORDS = frozenset({"replace", "vervang"})
ADD_WORDS = frozenset({"add", "new", "nieuw"})
CLOSE_WORDS = frozenset({"close", "sluit"})


def handle_phase(context: Context) -> Reply:
    """`fase`: where the alliance is; `fase voorstel productief <reden>` proposes a change."""
    word, _space, rest = context.command.args.strip().partition(" ")
    if word.lower() in PROPOSE_WORDS:
        return _propose(context, rest.strip())
    session, alliance = context.session, context.alliance
    phase, since = current_phase(session, alliance)
    history = [
        (phase_name(context.texts, c.phase), context.local(c.since), c.reason)
        for c in changes_of(session, alliance)
    ]
    reply = context.reply(
        "phase",
        phase=phase.value,
        name=phase_name(context.texts, phase),
        since=context.local(since),
        history=history,
        adviser=Role.ADVISER in context.person.role_set,
    )
    proposal = open_decision(session, alliance, DecisionKind.PHASE)
    if proposal is None:
        return reply
    shown = status_reply(context, status(session, alliance, proposal))
    return Reply(blocks=reply.blocks + shown.blocks, buttons=shown.buttons)


def _propose(context: Context, rest: str) -> Reply:
    word, _space, reason = rest.partition(" ")
    words = reason.split()
    replace = bool(words) and words[-1].lower() in REPLACE_WORDS
    if replace:
        reason = " ".join(words[:-1])
    if Role.ADVISER not in context.person.role_set:
        return error_reply(context, ConsentError("not_adviser"))
    if not word or parse_phase(word) is None:
        return context.reply("phase_usage")
    try:
        current, asked = submit_proposal(
            context.session,
            context.alliance,
            context.person,
            DecisionKind.PHASE,
            word,
            reason,
            replace,
        )
    except ConsentError as error:
        return error_reply(context, error)
    context.audit("phase.proposed", decision=current.decision.id)
    intro = Markup(context.render("phase_proposed", asked=asked))
    return status_reply(context, current, intro=intro)


def handle_learning(context: Context) -> Reply:
    """`leeragenda`: the list; `leeragenda nieuw <wat>`; `leeragenda sluit 2 <geleerd>`."""
    word, _space, rest = context.command.args.strip().partition(" ")
    word = word.lower()
    session, alliance, person = context.session, context.alliance, context.person
    try:
        if word in ADD_WORDS:
            item = add_item(session, alliance, person, rest)
            context.audit("learning.added", item=item.id)
            return context.reply("learning_added", item=item)
        if word in CLOSE_WORDS:
            number, _space, lesson = rest.strip().partition(" ")
            row_id = database_id(number.lstrip("#"))
            if row_id is None:
                raise LearningError("usage")
            item = close_item(session, alliance, person, row_id, lesson)
            context.audit("learning.closed", item=item.id)
            return context.reply("learning_closed", item=item)
        if word:
            raise LearningError("usage")
    except LearningError as error:
        return context.reply("learning_error", code=error.code, **error.details)
    return context.reply(
        "learning",
        open_items=learning_items(session, alliance, closed=False),
        closed_items=learning_items(session, alliance, closed=True)[-5:],
    )
