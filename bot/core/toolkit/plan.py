"""Timing toolkit snippets to partner agendas: the right text, days before the moment.

A partner's adviser gets a snippet `lead_days` before an agenda moment it serves (a
newsletter deadline, a board meeting), in the morning of a working day, so there is time
to adapt it. Planning looks at least `HORIZON` ahead and is idempotent: the clock runs it
daily after re-importing calendars, and it converges on what the agendas say now.

Why the dedupe key holds the send day and the moment's start
(``snippet:<agenda item>:<snippet>:<person>:<day>:<start>``): a moved moment must move its
plan (and its text names the moment's date), but the outbox never changes a planned
message's key.
So a move plans a new delivery and cancels the pending old one — unless one for the same
moment, snippet and person was already sent, in which case nothing is sent again. Deleted
or cancelled moments cancel their pending snippets the same way. The key is never read
back: a delivery names its moment and snippet in its subject columns (`agenda_item_id`,
`snippet_key`), and those are what the queries ask.

Not a flood: at most `PER_MOMENT` snippets per moment (rotating through those that serve
it, so a monthly deadline does not get the same text every month), and the outbox keeps
each person's weekly cap, quiet hours and mute.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.agenda import AgendaItem
from bot.core.house import HouseContent
from bot.core.kernel import Alliance, Partner, Person, Role, Texts, language_of, utcnow
from bot.core.outbox import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Plan,
    Subject,
    plan_delivery,
    reachable_of_partner,
)
from bot.core.toolkit.feedback import feedback_buttons
from bot.core.toolkit.personalise import current_house, fits_house, partner_notes, usable_text
from bot.core.toolkit.snippets import Snippet, library

log = logging.getLogger(__name__)

HORIZON = timedelta(weeks=8)  # at least six weeks ahead, as promised; eight to be safe
PER_MOMENT = 2
SEND_AT = time(9, 0)
PREFIX = "snippet:"


@dataclass
class PlanReport:
    planned: int = 0
    cancelled: int = 0
    unchanged: int = 0


def send_day(moment: date, lead_days: int) -> date:
    """`lead_days` before the moment, moved back to a Friday when that is a weekend."""
    day = moment - timedelta(days=lead_days)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def working_time(due_at: datetime, moment: date, zone: ZoneInfo) -> datetime:
    """A weekend moment moves on to Monday morning, unless the moment comes first."""
    local = due_at.astimezone(zone)
    if local.weekday() < 5:
        return due_at
    monday = local.date() + timedelta(days=7 - local.weekday())
    if monday >= moment:
        return due_at
    return datetime.combine(monday, SEND_AT, tzinfo=zone)


def snippets_for(
    snippets: list[Snippet], item: AgendaItem, occurrence_number: int
) -> list[Snippet]:
    """Up to `PER_MOMENT` of the snippets serving this kind of moment, rotating per moment."""
    serving = [s for s in snippets if item.kind in s.agenda_kinds]
    if len(serving) <= PER_MOMENT:
        return serving
    start = occurrence_number % len(serving)
    return [serving[(start + i) % len(serving)] for i in range(PER_MOMENT)]


def recipients(session: Session, partner: Partner) -> list[Person]:
    """The partner's advisers who can be reached (it is their material); else its contacts."""
    return reachable_of_partner(session, partner.id or 0, (Role.ADVISER, Role.PARTNER))


def plan_snippets(session: Session, alliance: Alliance, now: datetime | None = None) -> PlanReport:
    """Converge the pending snippet deliveries on the agendas as they are now."""
    now = now or utcnow()
    zone = ZoneInfo(alliance.timezone)
    report = PlanReport()
    snippets = library(session, alliance)
    house = current_house(session, alliance)
    usable = [s for s in snippets if fits_house(s, house)]
    wanted: set[str] = set()
    partners = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id, col(Partner.active))
    ).all()
    for partner in partners:
        items = session.exec(
            select(AgendaItem)
            .where(
                AgendaItem.partner_id == partner.id,
                col(AgendaItem.cancelled).is_(False),
                AgendaItem.starts_at > now,
                AgendaItem.starts_at <= now + HORIZON,
            )
            .order_by(col(AgendaItem.starts_at))
        ).all()
        people = recipients(session, partner)
        if not items or not people:
            continue
        notes = partner_notes(session, partner)
        for item in items:
            moment = item.starts_at.astimezone(zone).date()
            number = _occurrence_number(item)
            for snippet in snippets_for(usable, item, number):
                day = send_day(moment, snippet.lead_days)
                due_at = working_time(
                    max(now, datetime.combine(day, SEND_AT, tzinfo=zone)), moment, zone
                )
                for person in people:
                    start = item.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M")
                    key = f"{PREFIX}{item.id}:{snippet.key}:{person.id}:{day.isoformat()}:{start}"
                    wanted.add(key)
                    if _already_sent(session, item, snippet, person):
                        report.unchanged += 1
                        continue
                    outcome = _plan_one(
                        session, alliance, partner, person, snippet, item, key, due_at, house, notes
                    )
                    report.planned += outcome == "planned"
                    report.unchanged += outcome != "planned"
    report.cancelled = _cancel_unwanted(session, alliance, wanted)
    session.flush()
    return report


def _occurrence_number(item: AgendaItem) -> int:
    """A number per moment that stays when the moment moves (its row is kept) and differs
    between a series' occurrences (each has its own row): the same moment keeps the same
    snippets, the next one in a series gets others."""
    return item.id or 0


def _already_sent(session: Session, item: AgendaItem, snippet: Snippet, person: Person) -> bool:
    return (
        session.exec(
            select(Delivery.id).where(
                Delivery.kind == DeliveryKind.SNIPPET,
                Delivery.agenda_item_id == item.id,
                Delivery.snippet_key == snippet.key,
                Delivery.person_id == person.id,
                col(Delivery.status).in_((DeliveryStatus.SENT, DeliveryStatus.SENDING)),
            )
        ).first()
        is not None
    )


def _plan_one(
    session: Session,
    alliance: Alliance,
    partner: Partner,
    person: Person,
    snippet: Snippet,
    item: AgendaItem,
    key: str,
    due_at: datetime,
    house: HouseContent,
    notes: dict[str, str],
) -> str:
    language = language_of(person, alliance)
    texts = Texts(language)
    text = usable_text(
        snippet, alliance=alliance, partner=partner, language=language, house=house, notes=notes
    )
    if text is None:
        return "skipped"
    zone = ZoneInfo(alliance.timezone)
    body = texts.render(
        "toolkit_snippet",
        partner=partner,
        title=snippet.title(language),
        item=item,
        moment=item.starts_at.astimezone(zone).date(),
        text=text,
    )
    result = plan_delivery(
        session,
        alliance,
        Plan(
            dedupe_key=key,
            kind=DeliveryKind.SNIPPET,
            body=body,
            due_at=due_at,
            person=person,
            expires_at=item.starts_at,
            subject=Subject(agenda_item_id=item.id, snippet_key=snippet.key),
        ),
    )
    if result.outcome == "planned" and result.delivery is not None:
        session.flush()
        result.delivery.buttons = [
            {"label": b.label, "action": b.action, "style": b.style or ""}
            for b in feedback_buttons(texts, result.delivery.id or 0)
        ]
    return result.outcome


def _cancel_unwanted(session: Session, alliance: Alliance, wanted: set[str]) -> int:
    """Pending snippets no agenda asks for any more: moved, deleted or cancelled moments."""
    pending = session.exec(
        select(Delivery).where(
            Delivery.alliance_id == alliance.id,
            Delivery.kind == DeliveryKind.SNIPPET,
            Delivery.status == DeliveryStatus.PENDING,
        )
    ).all()
    cancelled = 0
    for delivery in pending:
        if delivery.dedupe_key not in wanted:
            delivery.status = DeliveryStatus.CANCELLED
            cancelled += 1
    return cancelled
