"""The intake offered, once and politely, to partner advisers whose partner has none.

Through the outbox, like every unsolicited message: mute, quiet hours and the weekly cap
apply, and the dedupe key makes it once per person per occasion. The occasion is the first
offer, or a new phase of the alliance (`occasion`), when what partners need may have changed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.core.kernel import Alliance, Button, Person, Role, Texts, Verb, language_of
from bot.core.needs.profiles import active_partners, latest_profiles
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_many

START = Verb("iko")  # "start the intake" under the offer
FIRST = "first"


def offer_intake(
    session: Session,
    alliance: Alliance,
    now: datetime,
    occasion: str = FIRST,
    everyone: bool = False,
) -> int:
    """Offer the intake to the advisers of partners without a profile (with `everyone`:
    to every partner's advisers, for a new phase); the number of offers planned now."""
    partners = {p.id or 0: p for p in active_partners(session, alliance)}
    done = set() if everyone else set(latest_profiles(session, partners))
    advisers = session.exec(
        select(Person)
        .where(
            Person.alliance_id == alliance.id,
            col(Person.active),
            col(Person.partner_id).in_([i for i in partners if i not in done]),
        )
        .order_by(col(Person.id))
    ).all()
    plans = []
    for person in advisers:
        if Role.ADVISER not in person.role_set or person.partner_id is None:
            continue
        partner = partners[person.partner_id]
        texts = Texts(language_of(person, alliance))
        plans.append(
            Plan(
                dedupe_key=f"intake-offer:{occasion}:{person.id}",
                kind=DeliveryKind.NOTICE,
                body=texts.render("intake_offer", partner=partner, occasion=occasion),
                due_at=now,
                person=person,
                buttons=(Button(texts.gettext("Start the intake"), START.action(person.id or 0)),),
                subject=Subject(partner_id=partner.id),
            )
        )
    results = plan_many(session, alliance, plans)
    return sum(1 for result in results if result.outcome == "planned")
