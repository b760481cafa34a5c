"""A decision's whole flow for chat and command line alike: record, then tell who needs to
know (the notices go through the outbox in the same transaction)."""

from __future__ import annotations

from sqlmodel import Session

from bot.core.consent.decisions import (
    AnyVerdict,
    DecisionTally,
    answer,
    answering_partner,
    propose,
    status,
)
from bot.core.consent.models import Decision, DecisionKind
from bot.core.consent.notices import notify_adopted, notify_proposed, partner_answered
from bot.core.kernel import Alliance, Person


def submit_proposal(
    session: Session,
    alliance: Alliance,
    person: Person,
    kind: DecisionKind,
    value: str,
    reason: str,
    replace: bool = False,
) -> tuple[DecisionTally, int]:
    """Open a proposal and ask the partners' advisers; returns its tally and advisers asked."""
    decision = propose(session, alliance, person, kind, value, reason, replace)
    return status(session, alliance, decision), notify_proposed(session, alliance, decision)


def submit_answer(
    session: Session,
    alliance: Alliance,
    person: Person,
    decision: Decision,
    verdict: AnyVerdict,
    reason: str = "",
) -> tuple[DecisionTally, bool]:
    """Record a partner's answer, tell who needs to know, adopt when consent is complete."""
    current, adopted = answer(session, alliance, person, decision, verdict, reason)
    partner_answered(session, alliance, current, answering_partner(session, person), person)
    if adopted:
        notify_adopted(session, alliance, decision)
    return current, adopted
