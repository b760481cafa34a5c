"""From harvest to message house, and the monthly "what we achieved together".

A proof point is the house's foundation: evidence, figures, examples. Fed from what the
partners actually achieved, it stays true and it credits them. A coordinator picks a
harvest and a pillar; that becomes a proposal in the house's ordinary flow (the partners
endorse it, or not), so nothing enters the shared story without the partners' consent.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlmodel import Session, col, select

from bot.core.harvest.models import Harvest
from bot.core.harvest.records import HarvestError, Names, harvests, is_coordinator
from bot.core.house import (
    HouseContent,
    Proposal,
    ProposalState,
    current_version,
    submit_proposal,
    version_content,
)
from bot.core.kernel import Alliance, Person, Texts, babel_locale, language_of
from bot.core.outbox import DeliveryKind, Plan, plan_delivery

EXPIRES = timedelta(days=14)  # a month's harvest told later than this is old news


def house_now(session: Session, alliance: Alliance) -> HouseContent | None:
    version = current_version(session, alliance.id or 0)
    return version_content(session, version) if version else None


def proof_text(harvest: Harvest, names: Names) -> str:
    """The proof point as it will stand in the house: the result, crediting the partner."""
    credit = names.credit(harvest)
    return f"{harvest.text} ({credit})" if credit else harvest.text


def to_proof(
    session: Session, alliance: Alliance, person: Person, harvest: Harvest, pillar: int
) -> Proposal:
    """Propose the current house with this harvest as a proof point of pillar `pillar`
    (1-based). `ProposalError` from the house flow (a proposal already open) passes on."""
    if not is_coordinator(session, person):
        raise HarvestError("not_coordinator")
    if harvest.proposal_id is not None:
        earlier = session.get(Proposal, harvest.proposal_id)
        if earlier is not None and earlier.status in (ProposalState.OPEN, ProposalState.ADOPTED):
            raise HarvestError("proposed", proposal=earlier.id)
    content = house_now(session, alliance)
    if content is None:
        raise HarvestError("no_house")
    if not 1 <= pillar <= len(content.pillars):
        raise HarvestError("no_pillar", count=len(content.pillars))
    names = Names.of(session, alliance)
    chosen = content.pillars[pillar - 1]
    pillars = list(content.pillars)
    pillars[pillar - 1] = replace(chosen, proof=(*chosen.proof, proof_text(harvest, names)))
    reason = Texts(alliance.language).gettext(
        "Harvest of %(credit)s: a new proof point for '%(pillar)s'.",
        credit=names.credit(harvest) or person.name,
        pillar=chosen.title,
    )
    status, _asked = submit_proposal(
        session, alliance, person, replace(content, pillars=tuple(pillars)), reason
    )
    harvest.proposal_id = status.proposal.id
    return status.proposal


def month_before(now: datetime, zone: str) -> tuple[date, datetime, datetime]:
    """The calendar month before `now` in the alliance's zone: its first day and bounds."""
    tz = ZoneInfo(zone)
    first_this = now.astimezone(tz).date().replace(day=1)
    first_last = (first_this - timedelta(days=1)).replace(day=1)
    return (
        first_last,
        datetime.combine(first_last, time(0), tzinfo=tz),
        datetime.combine(first_this, time(0), tzinfo=tz),
    )


def plan_together(session: Session, alliance: Alliance, now: datetime) -> int:
    """Once a month, to everyone: what we achieved together last month, partner by partner.

    Planned through the outbox (quiet hours, the weekly cap, mute); nothing when the month
    brought no harvest. Idempotent per month and person."""
    month, start, end = month_before(now, alliance.timezone)
    found = harvests(session, alliance, start, end)
    if not found:
        return 0
    names = Names.of(session, alliance)
    ordered = sorted(found, key=lambda h: (names.credit(h) or "~", h.created_at))
    groups = [(credit, list(items)) for credit, items in groupby(ordered, names.credit)]
    people = session.exec(
        select(Person)
        .where(Person.alliance_id == alliance.id, col(Person.active))
        .order_by(col(Person.id))
    ).all()
    planned = 0
    for person in people:
        language = language_of(person, alliance)
        body = Texts(language).render(
            "harvest_month",
            month=format_date(month, "LLLL yyyy", locale=babel_locale(language)),
            groups=groups,
            count=len(found),
        )
        result = plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=f"harvest-month:{alliance.id}:{month:%Y-%m}:{person.id}",
                kind=DeliveryKind.HARVEST,
                body=body,
                due_at=now,
                person=person,
                expires_at=now + EXPIRES,
            ),
        )
        planned += result.outcome == "planned"
    return planned
