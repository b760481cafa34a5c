"""After planning: the snippets as planned, and what partners did with them.

`toolkit plan` lists the snippet deliveries for moments still to come, in the words each
recipient will get; the buttons under a delivered snippet record whether it was used,
adapted or not relevant; coverage counts those verdicts per partner for the overview. All
three read the deliveries back through their subject columns (the agenda moment and the
snippet), never through the dedupe key, and count a snippet for the partner whose moment
it was timed to, whoever pressed the button.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from bot.core.agenda import AgendaItem
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
from bot.core.outbox import Delivery, DeliveryKind, DeliveryStatus
from bot.core.toolkit.models import ToolkitFeedback
from bot.core.toolkit.personalise import current_house, partner_notes, usable_text
from bot.core.toolkit.snippets import library
from bot.core.toolkit.voicing import Extras, extras_of

FEEDBACK = Verb("tf", arity=2)
VERDICTS = {"u": "used", "a": "adapted", "n": "not_relevant"}


@dataclass(frozen=True)
class PlannedSnippet:
    """One snippet delivery as planned: what `toolkit plan --json` shows."""

    partner: str
    snippet: str
    agenda_item: str  # the moment's title
    agenda_start: datetime
    send_at: datetime
    channel: str  # the platform it goes to
    text: str
    person: str
    status: str
    agenda_all_day: bool = False  # the moment lasts the day: its date is what counts


def planned_snippets(
    session: Session, alliance: Alliance, now: datetime | None = None
) -> list[PlannedSnippet]:
    """Snippet deliveries for moments still to come (pending, or sent already), as
    `toolkit plan` shows them."""
    now = now or utcnow()
    rows = session.exec(
        select(Delivery)
        .where(
            Delivery.alliance_id == alliance.id,
            Delivery.kind == DeliveryKind.SNIPPET,
            col(Delivery.status).in_(
                (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.SENT)
            ),
        )
        .order_by(col(Delivery.due_at), col(Delivery.id))
    ).all()
    snippets = {s.key: s for s in library(session, alliance)}
    house = current_house(session, alliance)
    extras: dict[int, Extras] = {}
    planned = []
    for delivery in rows:
        item = _moment(session, delivery)
        person = session.get(Person, delivery.person_id) if delivery.person_id else None
        snippet = snippets.get(delivery.snippet_key or "")
        if item is None or person is None or snippet is None or item.starts_at < now:
            continue  # (a moment that has passed is history, not a plan)
        partner = session.get(Partner, item.partner_id)
        assert partner is not None
        language = language_of(person, alliance)
        if partner.id not in extras:
            extras.update(extras_of(session, alliance, [partner.id or 0]))
        text = usable_text(
            snippet,
            alliance=alliance,
            partner=partner,
            language=language,
            house=house,
            notes=partner_notes(session, partner),
            extras=extras[partner.id or 0],
        )
        if text is None:
            continue
        planned.append(
            PlannedSnippet(
                partner=partner.key,
                snippet=snippet.key,
                agenda_item=item.title,
                agenda_start=item.starts_at,
                send_at=delivery.due_at,
                channel=delivery.platform,
                text=text,
                person=person.key,
                status=delivery.status,
                agenda_all_day=item.all_day,
            )
        )
    return planned


def _moment(session: Session, delivery: Delivery) -> AgendaItem | None:
    """The agenda moment a snippet delivery is timed to (None once it left the calendar)."""
    if delivery.agenda_item_id is None:
        return None
    return session.get(AgendaItem, delivery.agenda_item_id)


def feedback_buttons(texts: Texts, delivery_id: int) -> tuple[Button, ...]:
    return (
        Button(texts.gettext("Used it"), FEEDBACK.action(delivery_id, "u"), "primary"),
        Button(texts.gettext("Adapted it"), FEEDBACK.action(delivery_id, "a")),
        Button(texts.gettext("Not relevant"), FEEDBACK.action(delivery_id, "n")),
    )


class FeedbackRefused(ValueError):
    """Feedback that may not be recorded; `reason` is `not_sent` or `not_yours`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def partner_of_delivery(session: Session, delivery: Delivery) -> int | None:
    """The partner a snippet delivery was for: its moment's, else its recipient's."""
    item = _moment(session, delivery)
    if item is not None:
        return item.partner_id
    recipient = session.get(Person, delivery.person_id) if delivery.person_id else None
    return recipient.partner_id if recipient is not None else None


def feedback_refusal(session: Session, delivery: Delivery, person: Person) -> str | None:
    """Why `person` may not give feedback on `delivery`, or None when they may.

    Only a snippet that was actually sent can have been used, so a delivery still pending
    (or failed, or withdrawn) takes none: its buttons were never shown, so a press is
    forged or stale. And the verdict counts for one partner's coverage, so only those who
    know what that partner did give it: the recipient, or an adviser of the same partner;
    an adviser of another partner would be guessing."""
    if delivery.status != DeliveryStatus.SENT:
        return "not_sent"
    if delivery.person_id is not None and delivery.person_id == person.id:
        return None
    partner_id = partner_of_delivery(session, delivery)
    own_adviser = Role.ADVISER in person.role_set and person.partner_id == partner_id
    return None if own_adviser and partner_id is not None else "not_yours"


def record_feedback(
    session: Session, delivery: Delivery, person: Person, verdict: str
) -> ToolkitFeedback:
    """What the partner did with a snippet, and who said so; pressing again changes the
    verdict (and who gave it). Raises `FeedbackRefused` where `feedback_refusal` says no."""
    refusal = feedback_refusal(session, delivery, person)
    if refusal is not None:
        raise FeedbackRefused(refusal)
    feedback = session.exec(
        select(ToolkitFeedback).where(ToolkitFeedback.delivery_id == delivery.id)
    ).first()
    if feedback is None:
        feedback = ToolkitFeedback(
            delivery_id=delivery.id or 0,
            # the partner the snippet was for, whoever presses (an adviser may answer for it)
            partner_id=partner_of_delivery(session, delivery),
            snippet_key=delivery.snippet_key or "",
            verdict=verdict,
        )
        session.add(feedback)
    feedback.person_id = person.id
    feedback.verdict = verdict
    feedback.at = utcnow()
    return feedback


def planned_counts(session: Session, item_ids: Sequence[int]) -> dict[int, tuple[int, datetime]]:
    """Per agenda moment: the snippets planned or sent for it, and when the first goes.

    Only for the moments a view shows, counted in the database: never every snippet ever
    sent."""
    if not item_ids:
        return {}
    rows = session.exec(
        select(Delivery.agenda_item_id, func.count(col(Delivery.id)), func.min(Delivery.due_at))
        .where(
            col(Delivery.agenda_item_id).in_(item_ids),
            Delivery.kind == DeliveryKind.SNIPPET,
            col(Delivery.status).in_((DeliveryStatus.PENDING, DeliveryStatus.SENT)),
        )
        .group_by(col(Delivery.agenda_item_id))
    ).all()
    return {item: (count, first) for item, count, first in rows if item is not None}


@dataclass(frozen=True)
class Coverage:
    partner: str
    sent: int
    used: int  # used or adapted
    not_relevant: int


def coverage(session: Session, alliance: Alliance, since: datetime) -> list[Coverage]:
    """Per partner: snippets sent since `since`, and what was done with them.

    Counted in the database, one row per partner, so a year of snippets costs the same to
    show as a week's. A snippet counts for the partner whose moment it was timed to (one
    whose moment has left the calendar no longer counts)."""
    used = case((col(ToolkitFeedback.verdict).in_(("used", "adapted")), 1), else_=0)
    not_relevant = case((col(ToolkitFeedback.verdict) == "not_relevant", 1), else_=0)
    rows = session.exec(
        select(Partner.name, func.count(col(Delivery.id)), func.sum(used), func.sum(not_relevant))
        .join(AgendaItem, col(AgendaItem.id) == col(Delivery.agenda_item_id))
        .join(Partner, col(Partner.id) == col(AgendaItem.partner_id))
        .outerjoin(ToolkitFeedback, col(ToolkitFeedback.delivery_id) == col(Delivery.id))
        .where(
            Delivery.alliance_id == alliance.id,
            Delivery.kind == DeliveryKind.SNIPPET,
            Delivery.status == DeliveryStatus.SENT,
            col(Delivery.sent_at) >= since,
            col(Partner.active),
        )
        .group_by(col(Partner.id), col(Partner.name))
        .order_by(col(Partner.name), col(Partner.id))
    ).all()
    return [
        Coverage(partner=name, sent=sent, used=int(u or 0), not_relevant=int(n or 0))
        for name, sent, u, n in rows
    ]
