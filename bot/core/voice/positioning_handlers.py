"""`positionering`/`positioning`: the positioning now, the guiding questions, an open
proposal; `positionering branded <waarom>` proposes a change to the partners."""

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
from bot.core.kernel import Context, Reply
from bot.core.voice.positioning import GUIDING_QUESTIONS, POSITIONINGS, WORDS, describe


def handle_positioning(context: Context) -> Reply:
    value, _space, reason = context.command.args.strip().partition(" ")
    if value and value.lower() not in WORDS:
        return context.reply("positioning_usage", choices=", ".join(POSITIONINGS))
    session, alliance, texts = context.session, context.alliance, context.texts
    questions = [texts.gettext(q) for q in GUIDING_QUESTIONS]
    if not value:
        view = context.reply(
            "positioning",
            current=describe(texts, alliance.positioning),
            task=alliance.task,
            questions=questions,
        )
        decision = open_decision(session, alliance, DecisionKind.POSITIONING)
        if decision is None:
            return view
        shown = status_reply(context, status(session, alliance, decision))
        return Reply(blocks=view.blocks + shown.blocks, buttons=shown.buttons)
    try:
        current, _asked = submit_proposal(
            session, alliance, context.person, DecisionKind.POSITIONING, value, reason.strip()
        )
    except ConsentError as error:
        return error_reply(context, error)
    context.audit("positioning.proposed", decision=current.decision.id)
    intro = Markup(context.render("positioning_proposed", questions=questions))
    return status_reply(context, current, intro=intro)
