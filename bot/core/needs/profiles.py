"""Partner profiles: versions, the latest per partner, and what each partner shared.

Every view the coalition sees (the `needs` overview, App Home, toolkit texts) reads
`shared_answers`, never a profile row: a field the partner kept to itself cannot slip into
one of them by a forgotten check.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session, col, func, select

from bot.core.kernel import Alliance, Partner, Person, utcnow
from bot.core.needs.models import FIELDS, IndividualInterest, PartnerProfile

MAX_ANSWER = 1000  # characters: a few sentences, what a partner can say in a chat answer


def active_partners(session: Session, alliance: Alliance, by_name: bool = False) -> list[Partner]:
    """The alliance's active partners, by key (or by name, for a list people read)."""
    order = col(Partner.name) if by_name else col(Partner.key)
    return list(
        session.exec(
            select(Partner)
            .where(Partner.alliance_id == alliance.id, col(Partner.active))
            .order_by(order, col(Partner.id))
        ).all()
    )


def partner_named(session: Session, alliance: Alliance, word: str) -> Partner | None:
    """The active partner with this key or name (either case), or None."""
    wanted = word.strip().casefold()
    found = (
        p
        for p in active_partners(session, alliance)
        if wanted in (p.key.casefold(), p.name.casefold())
    )
    return next(found, None)


def latest_profiles(session: Session, partner_ids: Iterable[int]) -> dict[int, PartnerProfile]:
    """The newest version of each partner's profile, in one query."""
    wanted = sorted(set(partner_ids))
    if not wanted:
        return {}
    newest = (
        select(PartnerProfile.partner_id, func.max(PartnerProfile.version).label("version"))
        .where(col(PartnerProfile.partner_id).in_(wanted))
        .group_by(col(PartnerProfile.partner_id))
        .subquery()
    )
    rows = session.exec(
        select(PartnerProfile).join(
            newest,
            (col(PartnerProfile.partner_id) == newest.c.partner_id)
            & (col(PartnerProfile.version) == newest.c.version),
        )
    )
    return {row.partner_id: row for row in rows}


def latest_profile(session: Session, partner: Partner) -> PartnerProfile | None:
    return latest_profiles(session, [partner.id or 0]).get(partner.id or 0)


def shared_answers(session: Session, partner_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Per partner, only the answers it chose to share (and gave), by field name."""
    return {
        pid: {name: profile.answer(name) for name in FIELDS if _shows(profile, name)}
        for pid, profile in latest_profiles(session, partner_ids).items()
    }


def _shows(profile: PartnerProfile, name: str) -> bool:
    return name in (profile.shared or []) and bool(profile.answer(name).strip())


def save_profile(
    session: Session,
    alliance: Alliance,
    partner: Partner,
    person: Person | None,
    answers: Mapping[str, str],
    shared: Iterable[str],
) -> PartnerProfile:
    """A new version: the answers given now, and for a question skipped the previous
    version's answer with its share choice (skipping keeps what was said, it erases nothing)."""
    previous = latest_profile(session, partner)
    values: dict[str, str] = {}
    shown: list[str] = []
    chosen = set(shared)
    for name in FIELDS:
        given = str(answers.get(name, "") or "").strip()[:MAX_ANSWER]
        if given:
            values[name] = given
            if name in chosen:
                shown.append(name)
        elif previous is not None:
            values[name] = previous.answer(name)
            if name in (previous.shared or []):
                shown.append(name)
    profile = PartnerProfile(
        alliance_id=alliance.id or 0,
        partner_id=partner.id or 0,
        version=(previous.version + 1) if previous else 1,
        person_id=person.id if person else None,
        shared=shown,
        created_at=utcnow(),
    )
    for field_name, value in values.items():
        setattr(profile, field_name, value)
    session.add(profile)
    session.flush()
    return profile


def set_individual_interest(session: Session, person: Person, text: str) -> None:
    """What drives this person; only they and the coordinators ever see it."""
    row = session.exec(
        select(IndividualInterest).where(IndividualInterest.person_id == person.id)
    ).first()
    if row is None:
        row = IndividualInterest(alliance_id=person.alliance_id, person_id=person.id or 0)
        session.add(row)
    row.text = text.strip()[:MAX_ANSWER]
    row.updated_at = utcnow()


def individual_interests(session: Session, partner: Partner) -> list[tuple[Person, str]]:
    """The individual interests of the partner's people (for coordinators only)."""
    rows = session.exec(
        select(Person, IndividualInterest)
        .join(IndividualInterest, col(IndividualInterest.person_id) == col(Person.id))
        .where(Person.partner_id == partner.id)
        .order_by(col(Person.name))
    ).all()
    return [(person, row.text) for person, row in rows if row.text]


def profile_json(partner: Partner, profile: PartnerProfile | None) -> dict[str, Any]:
    """`partners profile KEY --json`: every field, version 0 and empty before any intake."""
    document: dict[str, Any] = {
        "partner": partner.key,
        "version": profile.version if profile else 0,
    }
    for name in FIELDS:
        document[name] = profile.answer(name) if profile else ""
    document["shared"] = [name for name in FIELDS if profile and name in (profile.shared or [])]
    return document


def profiles_json(session: Session, alliance: Alliance) -> list[dict[str, Any]]:
    """Every active partner's latest profile (`partners profiles --json`), by key."""
    partners = active_partners(session, alliance)
    latest = latest_profiles(session, [p.id or 0 for p in partners])
    return [profile_json(p, latest.get(p.id or 0)) for p in partners]


def profiles_csv(session: Session, alliance: Alliance) -> str:
    """Every active partner's latest profile as CSV (`partners profiles --csv`), one row per
    partner, for the coordinators' own overview."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["partner", "version", *FIELDS, "shared"])
    for document in profiles_json(session, alliance):
        answers = (document[name] for name in FIELDS)
        shared = " ".join(document["shared"])
        writer.writerow([document["partner"], document["version"], *answers, shared])
    return buffer.getvalue()
