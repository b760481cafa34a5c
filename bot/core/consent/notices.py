"""Who hears what about a decision, the way the message house's proposals are told
(`bot.core.consent.outreach`): the partners' advisers are asked with endorse/object buttons
(one reminder), an objection reaches every adviser, the outcome reaches everyone.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.core.consent.decisions import DecisionTally
from bot.core.consent.kinds import kind_of
from bot.core.consent.models import Decision
from bot.core.consent.outreach import ask_advisers, stop_asking, tell_advisers, tell_everyone
from bot.core.kernel import Alliance, Button, Partner, Person, Texts, Verb
from bot.core.outbox import DeliveryKind, Subject

ENDORSE = Verb("ce")  # decision id
OBJECT = Verb("co")  # decision id


def answer_buttons(texts: Texts, decision_id: int) -> tuple[Button, ...]:
    return (
        Button(texts.gettext("Endorse"), ENDORSE.action(decision_id), "primary"),
        Button(texts.gettext("Object"), OBJECT.action(decision_id), "danger"),
    )


def described(texts: Texts, decision: Decision) -> dict[str, str]:
    """What a decision's texts say about it: the kind and the value in the reader's words."""
    entry = kind_of(decision.kind)
    return {"title": texts.gettext(entry.title), "value": entry.describe(texts, decision.value)}


def notify_proposed(session: Session, alliance: Alliance, decision: Decision) -> int:
    """Ask every partner's advisers once, and plan one reminder; returns advisers asked."""
    proposer = session.get(Person, decision.proposed_by_id) if decision.proposed_by_id else None
    return ask_advisers(
        session,
        alliance,
        kind=DeliveryKind.DECISION,
        subject=Subject(decision_id=decision.id),
        key=lambda step, person: f"decision:{decision.id}:{step}:{person.id}",
        render=lambda texts, reminder: texts.render(
            "consent_notice",
            decision=decision,
            proposer=proposer.name if proposer else "",
            reminder=reminder,
            **described(texts, decision),
        ),
        buttons=lambda texts: answer_buttons(texts, decision.id or 0),
        proposer_id=proposer.id if proposer else None,
    )


def partner_answered(
    session: Session, alliance: Alliance, current: DecisionTally, partner: Partner, by: Person
) -> None:
    """No more asking this partner; tell every adviser when it objects."""
    decision = current.decision
    subject = Subject(decision_id=decision.id)
    stop_asking(session, alliance, DeliveryKind.DECISION, subject, partner)
    reason = next((why for p, why in current.tally.objected if p.id == partner.id), None)
    if reason is None:
        return
    tell_advisers(
        session,
        alliance,
        kind=DeliveryKind.DECISION,
        subject=Subject(decision_id=decision.id, partner_id=partner.id),
        key=lambda person: f"decision:{decision.id}:objection:{partner.id}:{person.id}",
        render=lambda texts: texts.render(
            "consent_objection_notice",
            partner=partner,
            by=by,
            reason=reason,
            **described(texts, decision),
        ),
        but=by,
    )


def notify_adopted(session: Session, alliance: Alliance, decision: Decision) -> int:
    """Tell everyone what the partners decided together; returns messages planned."""
    return tell_everyone(
        session,
        alliance,
        kind=DeliveryKind.NOTICE,  # news, not a question: kept when the decision closes
        subject=Subject(decision_id=decision.id),
        key=lambda who: f"decision:{decision.id}:adopted:{who}",
        render=lambda texts: texts.render(
            "consent_adopted_notice", decision=decision, **described(texts, decision)
        ),
    )
