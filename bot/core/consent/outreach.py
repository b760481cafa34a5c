"""How a proposal reaches people through the outbox, the same for the message house and
every decision kind: ask every partner's advisers once (and remind once), stop asking a
partner that answered, tell every adviser an objection, tell everyone the outcome.

The callers pass their own words (`render`), keys and subject; the planning (one batch,
quiet hours, the weekly cap, cancelling by subject) is here once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.kernel import Alliance, Button, Partner, Person, Role, Texts, language_of, utcnow
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


def people_of(session: Session, alliance: Alliance, role: Role | None = None) -> list[Person]:
    people = session.exec(
        select(Person)
        .where(Person.alliance_id == alliance.id, col(Person.active))
        .order_by(col(Person.id))
    ).all()
    return [p for p in people if role is None or role in p.role_set]


def ask_advisers(
    session: Session,
    alliance: Alliance,
    *,
    kind: DeliveryKind,
    subject: Subject,
    key: Callable[[str, Person], str],  # (step, person) -> dedupe key; step: ask | remind
    render: Callable[[Texts, bool], str],  # (texts, reminder) -> body
    buttons: Callable[[Texts], tuple[Button, ...]],
    proposer_id: int | None,
) -> int:
    """Ask every partner's advisers (not the proposer) now, remind them later; returns how
    many were asked now."""
    now = utcnow()
    plans: list[Plan] = []
    steps: list[str] = []
    for person in people_of(session, alliance, Role.ADVISER):
        if person.partner_id is None or person.id == proposer_id:
            continue
        texts = Texts(language_of(person, alliance))
        for step, due in (("ask", now), ("remind", now + REMINDER_AFTER)):
            steps.append(step)
            plans.append(
                Plan(
                    dedupe_key=key(step, person),
                    kind=kind,
                    body=render(texts, step == "remind"),
                    due_at=due,
                    person=person,
                    buttons=buttons(texts),
                    subject=subject,
                )
            )
    results = plan_many(session, alliance, plans)  # one batch for every adviser
    return sum(
        step == "ask" and r.outcome == "planned" for step, r in zip(steps, results, strict=True)
    )


def stop_asking(
    session: Session, alliance: Alliance, kind: DeliveryKind, subject: Subject, partner: Partner
) -> None:
    """Cancel the pending asks and reminders to a partner that answered."""
    advisers = [
        p.id for p in people_of(session, alliance, Role.ADVISER) if p.partner_id == partner.id
    ]
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == kind,
            *subject.conditions(),
            col(Delivery.partner_id).is_(None),  # asks and reminders (not news of an answer)
            col(Delivery.person_id).in_(advisers),
            col(Delivery.status) == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.CANCELLED)
    )


def tell_advisers(
    session: Session,
    alliance: Alliance,
    *,
    kind: DeliveryKind,
    subject: Subject,
    key: Callable[[Person], str],
    render: Callable[[Texts], str],
    but: Person,
) -> None:
    """Every adviser but `but` hears it (an objection is everyone's business)."""
    plans = [
        Plan(
            dedupe_key=key(person),
            kind=kind,
            body=render(Texts(language_of(person, alliance))),
            due_at=utcnow(),
            person=person,
            subject=subject,
        )
        for person in people_of(session, alliance, Role.ADVISER)
        if person.id != but.id
    ]
    plan_many(session, alliance, plans)


def tell_everyone(
    session: Session,
    alliance: Alliance,
    *,
    kind: DeliveryKind,
    subject: Subject,
    key: Callable[[str], str],  # (person id or "channel") -> dedupe key
    render: Callable[[Texts], str],
) -> int:
    """Everyone, and the advisers' channel; returns the messages planned to people."""
    now = utcnow()
    plans = [
        Plan(
            dedupe_key=key(str(person.id)),
            kind=kind,
            body=render(Texts(language_of(person, alliance))),
            due_at=now,
            person=person,
            subject=subject,
        )
        for person in people_of(session, alliance)
    ]
    planned = sum(r.outcome == "planned" for r in plan_many(session, alliance, plans))
    if alliance.adviser_channel:
        plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=key("channel"),
                kind=kind,
                body=render(Texts(alliance.language)),
                due_at=now,
                channel=alliance.adviser_channel,
                subject=subject,
            ),
        )
    return planned
