"""The harvest: what finished agreements brought, credited to the partners.

The practice asks to harvest and record results "in hard facts and in stories" and to make
each partner's contribution visible. A result is a sentence and, where there is one, a
figure (`45 tenants came | 45`), credited to the partner of whoever reported it (or of the
agreement it came from). A coordinator turns one into a proof point of the message house
(`proof`); the monthly "what we achieved together" names every partner's results.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from sqlmodel import Session, col, select

from bot.core.followup import Agreement
from bot.core.harvest.models import Harvest
from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Partner,
    Person,
    Region,
    Role,
    babel_locale,
    iso_local,
)

MAX_TEXT = 1000
CSV_COLUMNS = ("id", "agreement", "partner", "text", "figure", "created_at")


class HarvestError(ValueError):
    """A result that cannot be recorded or proposed; `code` names the reason for texts."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code  # no_text | unknown | not_coordinator | no_house | no_pillar | proposed
        self.details = details


def split_figure(text: str, language: str) -> tuple[str, float | None]:
    """`"45 tenants came | 45"` → ("45 tenants came", 45.0); the figure is read as the
    writer writes numbers (`1.200` is twelve hundred in Dutch). Without a readable figure
    after the last `|`, the whole text is the sentence."""
    sentence, bar, figure = text.rpartition("|")
    if not bar or not sentence.strip():
        return text.strip(), None
    cleaned = "".join(ch for ch in figure if ch.isdigit() or ch in ".,-")
    try:
        return sentence.strip(), float(parse_decimal(cleaned, locale=babel_locale(language)))
    except (NumberFormatError, ValueError):
        return text.strip(), None


def add_harvest(
    session: Session,
    alliance: Alliance,
    person: Person | None,
    text: str,
    figure: float | None = None,
    agreement: Agreement | None = None,
) -> Harvest:
    """Record one result, credited to the agreement's partner, else the reporter's."""
    text = " ".join(text.split())[:MAX_TEXT]
    if not text:
        raise HarvestError("no_text")
    harvest = Harvest(
        alliance_id=alliance.id or 0,
        agreement_id=agreement.id if agreement else None,
        partner_id=agreement.owner_partner_id if agreement else _of(person, "partner_id"),
        region_id=agreement.region_id if agreement else _of(person, "region_id"),
        person_id=person.id if person else None,
        text=text,
        figure=figure,
    )
    session.add(harvest)
    session.add(
        AuditEvent(
            alliance_id=alliance.id,
            actor=person.key if person else "operator",
            action="harvest.added",
            detail={"agreement": agreement.key if agreement else None},
        )
    )
    session.flush()
    return harvest


def _of(person: Person | None, column: str) -> int | None:
    value = getattr(person, column, None) if person else None
    return int(value) if value is not None else None


def harvests(
    session: Session,
    alliance: Alliance,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Harvest]:
    """Oldest first, within [since, until) when given."""
    query = select(Harvest).where(Harvest.alliance_id == alliance.id)
    if since is not None:
        query = query.where(col(Harvest.created_at) >= since)
    if until is not None:
        query = query.where(col(Harvest.created_at) < until)
    return list(session.exec(query.order_by(col(Harvest.created_at), col(Harvest.id))))


@dataclass(frozen=True)
class Names:
    """Keys and names of what harvests point to, read once per listing."""

    partners: dict[int, Partner]
    regions: dict[int, Region]
    agreements: dict[int, str]

    @classmethod
    def of(cls, session: Session, alliance: Alliance) -> Names:
        where = {"alliance_id": alliance.id}
        return cls(
            {p.id or 0: p for p in session.exec(select(Partner).filter_by(**where))},
            {r.id or 0: r for r in session.exec(select(Region).filter_by(**where))},
            {a.id or 0: a.key for a in session.exec(select(Agreement).filter_by(**where))},
        )

    def credit(self, harvest: Harvest) -> str:
        """Who the result is credited to: the partner, else the region."""
        if harvest.partner_id in self.partners:
            return self.partners[harvest.partner_id or 0].name
        if harvest.region_id in self.regions:
            return self.regions[harvest.region_id or 0].name
        return ""


def harvest_json(harvest: Harvest, names: Names, zone: str) -> dict[str, Any]:
    partner = names.partners.get(harvest.partner_id or 0)
    region = names.regions.get(harvest.region_id or 0)
    return {
        "id": harvest.id,
        "agreement": names.agreements.get(harvest.agreement_id or 0),
        "partner": partner.key if partner else None,
        "text": harvest.text,
        "figure": harvest.figure,
        "created_at": iso_local(harvest.created_at, zone),
        "region": region.key if region else None,
        "proposal": harvest.proposal_id,
    }


def harvest_rows(session: Session, alliance: Alliance) -> list[dict[str, Any]]:
    """`harvest list --json`: every result, oldest first, times with the alliance's offset."""
    names = Names.of(session, alliance)
    return [harvest_json(h, names, alliance.timezone) for h in harvests(session, alliance)]


def harvest_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in CSV_COLUMNS})
    return out.getvalue()


def is_coordinator(session: Session, person: Person) -> bool:
    """A coordinator; or any adviser while the alliance names no coordinators (existing
    alliance files keep working)."""
    roles = person.role_set
    if Role.COORDINATOR in roles:
        return True
    if Role.ADVISER not in roles:
        return False
    named = session.exec(
        select(Person.id).where(
            Person.alliance_id == person.alliance_id,
            col(Person.active),
            col(Person.roles).contains(Role.COORDINATOR.value),
        )
    ).first()
    return named is None
