"""Who hears what about the message house, through the outbox (so: once, in waking hours).

- a new proposal: the advisers of every partner, once, and one friendly reminder a few days
  later to those whose partner has not answered yet (cancelled as soon as it answers);
- an objection: all advisers, with the reason, because an objection is everyone's business;
- an adopted version: everyone, with what changed.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.house.diff import Change
from bot.core.house.models import HouseVersion
from bot.core.house.proposals import ProposalStatus
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


def _people(session: Session, alliance: Alliance, role: Role | None = None) -> list[Person]:
    people = session.exec(
        select(Person)
        .where(Person.alliance_id == alliance.id, col(Person.active))
        .order_by(col(Person.id))
    ).all()
    return [p for p in people if role is None or role in p.role_set]


ENDORSE = Verb("he")
OBJECT = Verb("ho")


def answer_buttons(texts: Texts, proposal_id: int) -> tuple[Button, ...]:
    return (
        Button(texts.gettext("Endorse"), ENDORSE.action(proposal_id), "primary"),
        Button(texts.gettext("Object"), OBJECT.action(proposal_id), "danger"),
    )


def notify_proposal(
    session: Session, alliance: Alliance, status: ProposalStatus, changes: list[Change]
) -> int:
    """Ask every partner's advisers once, and plan one reminder; returns advisers asked."""
    proposal = status.proposal
    proposer = session.get(Person, proposal.proposed_by_id) if proposal.proposed_by_id else None
    now = utcnow()
    plans: list[Plan] = []
    steps: list[str] = []
    for person in _people(session, alliance, Role.ADVISER):
        if person.partner_id is None or (proposer is not None and person.id == proposer.id):
            continue
        texts = Texts(language_of(person, alliance))
        for step, due in (("ask", now), ("remind", now + REMINDER_AFTER)):
            body = texts.render(
                "house_proposal_notice",
                proposal=proposal,
                proposer=proposer.name if proposer else "",
                changes=changes,
                reminder=step == "remind",
            )
            steps.append(step)
            plans.append(
                Plan(
                    dedupe_key=f"house:{proposal.id}:{step}:{person.id}",
                    kind=DeliveryKind.HOUSE,
                    body=body,
                    due_at=due,
                    person=person,
                    buttons=answer_buttons(texts, proposal.id or 0),
                    subject=Subject(proposal_id=proposal.id),
                )
            )
    results = plan_many(session, alliance, plans)  # one batch for every adviser
    return sum(
        step == "ask" and r.outcome == "planned" for step, r in zip(steps, results, strict=True)
    )


def partner_answered(
    session: Session, alliance: Alliance, status: ProposalStatus, partner: Partner, by: Person
) -> None:
    """No more asking this partner; tell everyone when it objects."""
    proposal = status.proposal
    advisers = [
        p.id for p in _people(session, alliance, Role.ADVISER) if p.partner_id == partner.id
    ]
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == DeliveryKind.HOUSE,
            col(Delivery.proposal_id) == proposal.id,
            col(Delivery.partner_id).is_(None),  # asks and reminders (not news of an answer)
            col(Delivery.person_id).in_(advisers),
            col(Delivery.status) == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CANCELLED)
    )
    reason = next((why for p, why in status.objected if p.id == partner.id), None)
    if reason is None:
        return
    plans = []
    for person in _people(session, alliance, Role.ADVISER):
        if person.id == by.id:
            continue
        texts = Texts(language_of(person, alliance))
        plans.append(
            Plan(
                dedupe_key=f"house:{proposal.id}:objection:{partner.id}:{person.id}",
                kind=DeliveryKind.HOUSE,
                body=texts.render("house_objection_notice", partner=partner, by=by, reason=reason),
                due_at=utcnow(),
                person=person,
                subject=Subject(proposal_id=proposal.id, partner_id=partner.id),
            )
        )
    plan_many(session, alliance, plans)


def notify_adopted(
    session: Session, alliance: Alliance, version: HouseVersion, changes: list[Change]
) -> int:
    """Tell everyone the shared story changed, and how; returns messages planned."""
    now = utcnow()
    plans = []
    for person in _people(session, alliance):
        texts = Texts(language_of(person, alliance))
        plans.append(
            Plan(
                dedupe_key=f"house:v{version.version}:{person.id}",
                kind=DeliveryKind.HOUSE,
                body=texts.render("house_adopted_notice", version=version, changes=changes),
                due_at=now,
                person=person,
                subject=Subject(house_version_id=version.id),
            )
        )
    planned = sum(r.outcome == "planned" for r in plan_many(session, alliance, plans))
    if alliance.adviser_channel:
        texts = Texts(alliance.language)
        plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=f"house:v{version.version}:channel",
                kind=DeliveryKind.HOUSE,
                body=texts.render("house_adopted_notice", version=version, changes=changes),
                due_at=now,
                channel=alliance.adviser_channel,
                subject=Subject(house_version_id=version.id),
            ),
        )
    return planned
