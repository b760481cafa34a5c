"""Decisions in the conversation: list the open ones, endorse, object, withdraw; and the
buttons under a proposal (a button of a closed decision is out of date)."""

from __future__ import annotations

from markupsafe import Markup

from bot.core.consent.decisions import (
    DecisionTally,
    answering_partner,
    decision_by_id,
    open_decisions,
    status,
    withdraw,
)
from bot.core.consent.flow import submit_answer
from bot.core.consent.kinds import ConsentError
from bot.core.consent.models import Decision, DecisionStatus, Verdict
from bot.core.consent.notices import answer_buttons, described
from bot.core.kernel import Context, Reply, database_id

ENDORSE_WORDS = frozenset({"endorse", "onderschrijf"})
OBJECT_WORDS = frozenset({"object", "bezwaar"})
WITHDRAW_WORDS = frozenset({"withdraw", "intrekken"})


def error_reply(context: Context, error: ConsentError) -> Reply:
    return context.reply("consent_error", code=error.code, **error.details)


def status_reply(context: Context, current: DecisionTally, intro: Markup | None = None) -> Reply:
    """An open decision as advisers see it: what is proposed, who answered, the buttons."""
    decision = current.decision
    buttons = answer_buttons(context.texts, decision.id or 0)
    open_ = decision.status == DecisionStatus.OPEN
    return context.reply(
        "consent_status",
        *(buttons if open_ else ()),
        decision=decision,
        tally=current.tally,
        intro=intro,
        is_open=open_,
        **described(context.texts, decision),
    )


def _which(context: Context, number: str) -> Decision:
    """The decision a typed number names; without one, the only open decision."""
    if number:
        row_id = database_id(number.lstrip("#"))
        decision = decision_by_id(context.session, context.alliance, row_id) if row_id else None
        if decision is None:
            raise ConsentError("unknown_decision", number=number)
        return decision
    decisions = open_decisions(context.session, context.alliance)
    if len(decisions) != 1:
        raise ConsentError("which_decision" if decisions else "nothing_open")
    return decisions[0]


def handle_decision(context: Context) -> Reply:
    """`besluit`: the open decisions; `besluit onderschrijf 4`, `besluit bezwaar 4 <reden>`,
    `besluit intrekken 4` (the number may be left out while only one is open)."""
    word, _space, rest = context.command.args.strip().partition(" ")
    word = word.lower()
    session, alliance = context.session, context.alliance
    if not word:
        decisions = open_decisions(session, alliance)
        if not decisions:
            return context.reply("consent_error", code="nothing_open")
        replies = [status_reply(context, status(session, alliance, d)) for d in decisions]
        return Reply(
            blocks=tuple(b for r in replies for b in r.blocks),
            buttons=tuple(b for r in replies for b in r.buttons),
        )
    number, _space, reason = rest.strip().partition(" ")
    if number and not number.lstrip("#").isdigit():  # no number, only the reason
        number, reason = "", rest.strip()
    try:
        decision = _which(context, number)
        if word in WITHDRAW_WORDS:
            withdraw(session, alliance, context.person, decision)
            return context.reply("consent_withdrawn", **described(context.texts, decision))
        if word in ENDORSE_WORDS:
            return _answer(context, decision, Verdict.ENDORSE, "")
        if word in OBJECT_WORDS:
            return _answer(context, decision, Verdict.OBJECT, reason)
    except ConsentError as error:
        return error_reply(context, error)
    return context.reply("consent_error", code="usage")


def _answer(context: Context, decision: Decision, verdict: Verdict, reason: str) -> Reply:
    session, alliance = context.session, context.alliance
    current, adopted = submit_answer(session, alliance, context.person, decision, verdict, reason)
    if adopted:
        return context.reply(
            "consent_adopted", decision=decision, **described(context.texts, decision)
        )
    partner = answering_partner(session, context.person)
    intro = Markup(context.render("consent_answered", verdict=verdict, partner=partner))
    return status_reply(context, current, intro=intro)


def press_answer(context: Context, verdict: Verdict, decision_id: str) -> Reply:
    """A button under a proposal; the button of a closed decision is out of date."""
    row_id = database_id(decision_id)
    decision = decision_by_id(context.session, context.alliance, row_id) if row_id else None
    if decision is None or decision.status != DecisionStatus.OPEN:
        return context.stale()
    try:  # someone who cannot answer for a partner is refused before anything happens
        answering_partner(context.session, context.person)
        if verdict == Verdict.OBJECT:
            return context.reply("consent_object_how", decision=decision)
        return _answer(context, decision, Verdict.ENDORSE, "")
    except ConsentError as error:
        return context.refuse("consent_error", code=error.code, **error.details)
