"""Who hears what about a decision, through the outbox (so: once, in waking hours, within
each person's weekly cap), the way the message house's proposals are told:

- a new proposal: the advisers of every partner, once, with endorse/object buttons, and one
  friendly reminder a few days later to those whose partner has not answered (cancelled as
  soon as it answers);
- an objection: all advisers, with the reason;
- an adoption: everyone, and the advisers' channel.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.consent.decisions import DecisionTally
from bot.core.consent.kinds import kind_of
from bot.core.consent.models import Decision
from bot.core.kernel import (
    Alliance,
    Button,
    Partner,
    Person,
    Role,
    Texts,
    Verb,
    language_of,
    utcnow,
)
from bot.core.outbox import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Plan,
    Subject,
    plan_delivery,
    plan_many,
)

REMINDER_AFTER = timedelta(days=3)
ENDORSE = Verb("ce")  # decision id
OBJECT = Verb("co")  # decision id


def answer_buttons(texts: Texts, decision_id: int) -> tuple[Button, ...]:
    return (
        Button(texts.gettext("Endorse"), ENDORSE.action(decision_id), "primary"),
        Button(texts.gettext("Object"), OBJECT.action(decision_id), "danger"),
    )


def _people(session: Session, alliance: Alliance, role: Role | None = None) -> list[Person]:
    people = session.exec(
        select(Person)
        .where(Person.alliance_id == alliance.id, col(Person.active))
        .order_by(col(Person.id))
    ).all()
    return [p for p in people if role is None or role in p.role_set]


def described(texts: Texts, decision: Decision) -> dict[str, str]:
    """What a decision's texts say about it: the kind and the value in the reader's words."""
    entry = kind_of(decision.kind)
    return {"title": texts.gettext(entry.title), "value": entry.describe(texts, decision.value)}


def notify_proposed(session: Session, alliance: Alliance, decision: Decision) -> int:
    """Ask every partner's advisers once, and plan one reminder; returns advisers asked."""
    proposer = session.get(Person, decision.proposed_by_id) if decision.proposed_by_id else None
    now = utcnow()
    plans: list[Plan] = []
    steps: list[str] = []
    for person in _people(session, alliance, Role.ADVISER):
        if person.partner_id is None or (proposer is not None and person.id == proposer.id):
            continue
        texts = Texts(language_of(person, alliance))
        for step, due in (("ask", now), ("remind", now + REMINDER_AFTER)):
            steps.append(step)
            body = texts.render(
                "consent_notice",
                decision=decision,
                proposer=proposer.name if proposer else "",
                reminder=step == "remind",
                **described(texts, decision),
            )
            plans.append(
                Plan(
                    dedupe_key=f"decision:{decision.id}:{step}:{person.id}",
                    kind=DeliveryKind.DECISION,
                    body=body,
                    due_at=due,
                    person=person,
                    buttons=answer_buttons(texts, decision.id or 0),
                    subject=Subject(decision_id=decision.id),
                )
            )
    results = plan_many(session, alliance, plans)  # one batch for every adviser
    return sum(
        step == "ask" and r.outcome == "planned" for step, r in zip(steps, results, strict=True)
    )


def partner_answered(
    session: Session, alliance: Alliance, current: DecisionTally, partner: Partner, by: Person
) -> None:
    """No more asking this partner; tell every adviser when it objects."""
    decision = current.decision
    advisers = [
        p.id for p in _people(session, alliance, Role.ADVISER) if p.partner_id == partner.id
    ]
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == DeliveryKind.DECISION,
            col(Delivery.decision_id) == decision.id,
            col(Delivery.partner_id).is_(None),  # asks and reminders (not news of an answer)
            col(Delivery.person_id).in_(advisers),
            col(Delivery.status) == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CANCELLED)
    )
    reason = next((why for p, why in current.tally.objected if p.id == partner.id), None)
    if reason is None:
        return
    plans = []
    for person in _people(session, alliance, Role.ADVISER):
        if person.id == by.id:
            continue
        texts = Texts(language_of(person, alliance))
        body = texts.render(
            "consent_objection_notice",
            partner=partner,
            by=by,
            reason=reason,
            **described(texts, decision),
        )
        plans.append(
            Plan(
                dedupe_key=f"decision:{decision.id}:objection:{partner.id}:{person.id}",
                kind=DeliveryKind.DECISION,
                body=body,
                due_at=utcnow(),
                person=person,
                subject=Subject(decision_id=decision.id, partner_id=partner.id),
            )
        )
    plan_many(session, alliance, plans)


def notify_adopted(session: Session, alliance: Alliance, decision: Decision) -> int:
    """Tell everyone what the partners decided together; returns messages planned."""
    now = utcnow()
    plans = []
    for person in _people(session, alliance):
        texts = Texts(language_of(person, alliance))
        plans.append(
            Plan(
                dedupe_key=f"decision:{decision.id}:adopted:{person.id}",
                kind=DeliveryKind.NOTICE,  # news, not a question: kept when the decision closes
                body=texts.render(
                    "consent_adopted_notice", decision=decision, **described(texts, decision)
                ),
                due_at=now,
                person=person,
                subject=Subject(decision_id=decision.id),
            )
        )
    planned = sum(r.outcome == "planned" for r in plan_many(session, alliance, plans))
    if alliance.adviser_channel:
        texts = Texts(alliance.language)
        plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=f"decision:{decision.id}:adopted:channel",
                kind=DeliveryKind.NOTICE,
                body=texts.render(
                    "consent_adopted_notice", decision=decision, **described(texts, decision)
                ),
                due_at=now,
                channel=alliance.adviser_channel,
                subject=Subject(decision_id=decision.id),
            ),
        )
    return planned
