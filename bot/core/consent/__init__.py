"""consent: decisions the partners take together, partner by partner.

A proposal of some kind (the alliance's phase, its positioning) that the partners' advisers
endorse or object to, one answer per partner; adopted by the same rule as the message house
(`tally`, which the house uses too); what adoption does is the kind's own hook, registered
by the feature that owns the kind. The notices with endorse/object buttons, the
`besluit`/`decision` chat command and the buttons' handlers are shared by every kind.
"""

from __future__ import annotations

from bot.core.consent.commands import FEATURE
from bot.core.consent.decisions import (
    AnyVerdict,
    DecisionTally,
    answer,
    answering_partner,
    decision_by_id,
    decision_json,
    history,
    open_decision,
    open_decisions,
    propose,
    status,
    withdraw,
)
from bot.core.consent.flow import submit_answer, submit_proposal
from bot.core.consent.handlers import error_reply, status_reply
from bot.core.consent.kinds import ConsentError, ConsentKind, kind_of, register_kind
from bot.core.consent.models import Decision, DecisionAnswer, DecisionKind, DecisionStatus, Verdict
from bot.core.consent.notices import described
from bot.core.consent.outreach import ask_advisers, stop_asking, tell_advisers, tell_everyone
from bot.core.consent.rule import Tally, active_partners, tally

__all__ = [
    "FEATURE",
    "AnyVerdict",
    "ConsentError",
    "ConsentKind",
    "Decision",
    "DecisionAnswer",
    "DecisionKind",
    "DecisionStatus",
    "DecisionTally",
    "Tally",
    "Verdict",
    "active_partners",
    "answer",
    "answering_partner",
    "ask_advisers",
    "decision_by_id",
    "decision_json",
    "described",
    "error_reply",
    "history",
    "kind_of",
    "open_decision",
    "open_decisions",
    "propose",
    "register_kind",
    "status",
    "status_reply",
    "stop_asking",
    "submit_answer",
    "submit_proposal",
    "tally",
    "tell_advisers",
    "tell_everyone",
    "withdraw",
]
