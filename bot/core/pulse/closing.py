"""Closing a round from chat, and how an open round is doing, for the advisers.

A round closed with fewer respondents than `min_group_size` shows no results at all (the
anonymity rule), so closing it early is worth a second thought: the adviser is asked first,
with a button. While a round is open, an adviser who is not asked to answer sees how far it
got (how many answered of how many asked, and when it closes) instead of a dead end.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from bot.core.kernel import Button, Context, Reply, Role, Verb, database_id, utcnow
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound
from bot.core.pulse.report import close_round, results_reply
from bot.core.pulse.rounds import audience, open_round_of

CLOSE_ANYWAY = Verb("pcl")


def respondents(context: Context, pulse_round: PulseRound) -> int:
    """How many people answered at least one question of this round."""
    return context.session.exec(
        select(func.count(func.distinct(PulseAnswer.person_id)))
        .join(PulseQuestion, col(PulseQuestion.id) == col(PulseAnswer.question_id))
        .where(PulseQuestion.round_id == pulse_round.id)
    ).one()


def progress_reply(context: Context, pulse_round: PulseRound) -> Reply:
    asked = len(audience(context.session, context.alliance, pulse_round))
    return context.reply(
        "pulse_progress",
        answered=respondents(context, pulse_round),
        asked=asked,
        closes_at=context.local(pulse_round.closes_at) if pulse_round.closes_at else None,
        min_group=context.alliance.min_group_size,
    )


def ask_before_closing(context: Context) -> Reply:
    """`peiling sluit`: closes at once when enough answered; otherwise asks first."""
    pulse_round = open_round_of(context.session, context.alliance)
    if pulse_round is None:
        return context.reply("pulse_closed", closed=False)
    answered = respondents(context, pulse_round)
    if answered >= context.alliance.min_group_size:
        return _close(context)
    button = Button(
        context.texts.gettext("Close anyway"), CLOSE_ANYWAY.action(pulse_round.id or 0), "danger"
    )
    return context.reply(
        "pulse_close_confirm",
        button,
        answered=answered,
        min_group=context.alliance.min_group_size,
        closes_at=context.local(pulse_round.closes_at) if pulse_round.closes_at else None,
    )


def press_close_anyway(context: Context, round_id: str) -> Reply:
    row_id = database_id(round_id)
    pulse_round = context.session.get(PulseRound, row_id) if row_id else None
    current = open_round_of(context.session, context.alliance)
    if pulse_round is None or current is None or current.id != pulse_round.id:
        return context.stale()
    if Role.ADVISER not in context.person.role_set:
        return context.refuse("not_allowed", spec=context.commands["pulse"])
    return _close(context)


def _close(context: Context) -> Reply:
    closed = close_round(context.session, context.alliance, utcnow())
    if closed is not None:
        context.audit("pulse.closed", round=closed.id)
    head = context.reply("pulse_closed", closed=closed is not None)
    if closed is None:
        return head
    results = results_reply(context.session, context.alliance, context.texts)
    return Reply(head.blocks + results.blocks, image=results.image)
