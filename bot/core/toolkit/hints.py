"""A quiet hint to the coordinators when a partner's material or needs go unanswered.

When most of the snippets a partner gave feedback on came back "not relevant", or the needs
it stated in its intake get no offer from any other partner, the practice is a conversation
with that partner — not a report. So the coordinators alone hear it, once per quarter (or
per profile version), through the outbox with its mute, quiet hours and weekly cap.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from bot.core.kernel import Alliance, Partner, Texts, coordinators, language_of
from bot.core.needs import unanswered_needs
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_many
from bot.core.toolkit.models import ToolkitFeedback

WINDOW = timedelta(days=90)
MIN_VERDICTS = 3  # fewer answers say too little to start a conversation about
SETTLING = timedelta(days=21)  # a fresh intake gets three weeks before its needs count as unmet


def not_relevant_partners(session: Session, alliance: Alliance, since: datetime) -> list[Partner]:
    """Partners for whom most snippet verdicts since `since` were "not relevant"."""
    not_relevant = case((col(ToolkitFeedback.verdict) == "not_relevant", 1), else_=0)
    rows = session.exec(
        select(Partner, func.count(col(ToolkitFeedback.id)), func.sum(not_relevant))
        .join(ToolkitFeedback, col(ToolkitFeedback.partner_id) == col(Partner.id))
        .where(
            Partner.alliance_id == alliance.id,
            col(Partner.active),
            col(ToolkitFeedback.at) >= since,
        )
        .group_by(col(Partner.id))
        .order_by(col(Partner.id))
    ).all()
    return [
        partner
        for partner, verdicts, bad in rows
        if verdicts >= MIN_VERDICTS and 2 * int(bad or 0) > verdicts
    ]


def plan_hints(session: Session, alliance: Alliance, now: datetime) -> int:
    """Plan the hints due now; the number planned (idempotent: keys per quarter/version)."""
    quarter = f"{now.year}q{(now.month - 1) // 3 + 1}"
    found = [
        (partner, "not_relevant", quarter)
        for partner in not_relevant_partners(session, alliance, now - WINDOW)
    ] + [
        (partner, "unanswered", f"v{version}")
        for partner, version in unanswered_needs(session, alliance, now - SETTLING)
    ]
    plans = []
    for person in coordinators(session, alliance.id or 0):
        texts = Texts(language_of(person, alliance))
        for partner, code, when in found:
            plans.append(
                Plan(
                    dedupe_key=f"needs-hint:{code}:{partner.id}:{when}:{person.id}",
                    kind=DeliveryKind.NOTICE,
                    body=texts.render("needs_hint", partner=partner, code=code),
                    due_at=now,
                    person=person,
                    subject=Subject(partner_id=partner.id),
                )
            )
    return sum(1 for result in plan_many(session, alliance, plans) if result.outcome == "planned")
