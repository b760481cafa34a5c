"""Loading a checked alliance file into the database, idempotently.

Rows are matched by their keys and only touched when a value differs, so loading the same
file twice writes nothing and loading an edited file updates in place. Entries that
disappear from the file are archived, not deleted, because their history (endorsements,
answers, agreements) must keep its meaning.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, col, select

from bot.core.alliance.file import AllianceFile, PersonSection
from bot.core.house import HouseContent, adopt_version, last_version_from_file, version_content
from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Identity,
    Partner,
    Person,
    Platform,
    Region,
    utcnow,
)
from bot.core.reflection import phase_from_file

Row = TypeVar("Row", bound=SQLModel)


class NoAllianceError(LookupError):
    """The database holds no alliance yet: run `alliancebot init` first."""


@dataclass
class LoadReport:
    """What a load changed, counted per kind of row (`created`, `updated`, `archived`)."""

    changes: Counter[str] = field(default_factory=Counter)

    def count(self, kind: str, what: str) -> None:
        self.changes[f"{kind} {what}"] += 1

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def summary(self) -> str:
        if not self.changed:
            return "no changes"
        return ", ".join(f"{what}: {n}" for what, n in sorted(self.changes.items()))


def get_alliance(session: Session) -> Alliance:
    alliance = session.exec(select(Alliance).order_by(col(Alliance.id)).limit(1)).first()
    if alliance is None:
        raise NoAllianceError("no alliance loaded yet: run `alliancebot init alliance.toml`")
    return alliance


def _apply(row: Row, values: dict[str, Any]) -> bool:
    """Set the values that differ; report whether anything did."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _upsert(
    session: Session,
    report: LoadReport,
    model: type[Row],
    existing: dict[str, Row],
    key: str,
    values: dict[str, Any],
    what: str,
) -> Row:
    row = existing.get(key)
    if row is None:
        row = model(key=key, **values)
        session.add(row)
        report.count(what, "created")
    elif _apply(row, values):
        report.count(what, "updated")
    return row


def load_alliance(session: Session, document: AllianceFile, base_dir: Path) -> LoadReport:
    """Bring the database in line with a checked alliance file (one transaction)."""
    report = LoadReport()
    aid = _load_alliance_row(session, report, document)
    partners = _load_keyed(
        session,
        report,
        Partner,
        aid,
        "partners",
        {
            p.key: {
                "name": p.name,
                "constituency": p.constituency,
                "agenda_source": _agenda_source(p.agenda, base_dir),
            }
            for p in document.partners
        },
    )
    regions = _load_keyed(
        session, report, Region, aid, "regions", {r.key: {"name": r.name} for r in document.regions}
    )
    people = _load_keyed(
        session,
        report,
        Person,
        aid,
        "people",
        {p.key: _person_values(p, partners, regions) for p in document.people},
    )
    for person in document.people:
        _load_identities(session, report, people[person.key], person)
    _load_house(session, report, aid, document)
    alliance_row = session.get(Alliance, aid)
    assert alliance_row is not None
    phase_from_file(session, alliance_row, document.alliance.phase)
    if report.changed:
        session.add(
            AuditEvent(
                alliance_id=aid,
                actor="alliance_file",
                action="alliance.loaded",
                detail=dict(report.changes),
            )
        )
    session.flush()
    return report


def _load_alliance_row(session: Session, report: LoadReport, document: AllianceFile) -> int:
    """The alliance's own settings; its id, for everything that belongs to it."""
    section = document.alliance
    values: dict[str, Any] = {
        "name": section.name,
        "ambition": section.ambition,
        "task": section.task.strip(),
        "positioning_from_file": section.positioning,
        "language": section.language,
        "timezone": section.timezone,
        "adviser_channel": section.adviser_channel,
        "quorum": section.quorum,
        "min_group_size": document.pulse.min_group_size,
        "pulse_cadence": document.pulse.cadence,
        "quiet_hours": document.delivery.quiet_hours,
        "weekly_cap": document.delivery.weekly_cap,
    }
    alliance = session.exec(select(Alliance).order_by(col(Alliance.id)).limit(1)).first()
    if alliance is None or alliance.positioning_from_file != section.positioning:
        # new in the file (or a first load): the file's value is the starting point; an
        # unchanged file keeps what the partners adopted by consent since
        values["positioning"] = section.positioning
    if alliance is None:
        alliance = Alliance(**values)
        session.add(alliance)
        report.count("alliance", "created")
    elif _apply(alliance, values):
        alliance.updated_at = utcnow()
        report.count("alliance", "updated")
    session.flush()
    assert alliance.id is not None
    return alliance.id


def _load_house(session: Session, report: LoadReport, aid: int, document: AllianceFile) -> None:
    if document.message_house is None:
        return
    content = HouseContent.from_dicts(
        document.message_house.roof,
        [p.model_dump() for p in document.message_house.pillars],
    )
    # Compare with what the file said last time, not with the current house: once the
    # partners adopt proposals, loading an unchanged file must not undo their work.
    from_file = last_version_from_file(session, aid)
    if from_file is None or version_content(session, from_file) != content:
        adopt_version(session, aid, content, source="alliance_file")
        report.count("message house", "versions")


def _agenda_source(agenda: str | None, base_dir: Path) -> str | None:
    if agenda is None or "://" in agenda:
        return agenda
    return str((base_dir / agenda).resolve())


def _load_keyed(
    session: Session,
    report: LoadReport,
    model: type[Row],
    alliance_id: int,
    what: str,
    wanted: dict[str, dict[str, Any]],
) -> dict[str, Row]:
    existing = {
        row.key: row  # type: ignore[attr-defined]
        for row in session.exec(select(model).where(model.alliance_id == alliance_id))  # type: ignore[attr-defined]
    }
    rows: dict[str, Row] = {}
    for key, values in wanted.items():
        rows[key] = _upsert(
            session,
            report,
            model,
            existing,
            key,
            {"alliance_id": alliance_id, "active": True, **values},
            what,
        )
    for key, row in existing.items():
        if key not in wanted and row.active:  # type: ignore[attr-defined]
            row.active = False
            report.count(what, "archived")
    session.flush()
    return rows


def _person_values(
    person: PersonSection, partners: dict[str, Partner], regions: dict[str, Region]
) -> dict[str, Any]:
    # a channel the file leaves out keeps what the person chose in the chat
    channel = {"channel": person.channel} if person.channel is not None else {}
    return channel | {
        "name": person.name,
        "roles": ",".join(sorted(set(person.roles))),
        "partner_id": partners[person.partner].id if person.partner else None,
        "region_id": regions[person.region].id if person.region else None,
        "email": person.email,
        "language": person.language,
        "timezone": person.timezone,
    }


def _load_identities(
    session: Session, report: LoadReport, person: Person, section: PersonSection
) -> None:
    """Link the accounts named in the file; accounts linked by invite stay untouched."""
    for platform, account in (
        (Platform.SLACK, section.slack),
        (Platform.TELEGRAM, section.telegram),
    ):
        if account is None:
            continue
        external_id = str(account)
        identity = session.exec(
            select(Identity).where(
                Identity.platform == platform, Identity.external_id == external_id
            )
        ).first()
        if identity is None:
            session.add(
                Identity(person_id=person.id or 0, platform=platform, external_id=external_id)
            )
            report.count("accounts", "linked")
        elif identity.person_id != person.id:
            identity.person_id = person.id or 0
            report.count("accounts", "moved")
    _load_address(session, report, person, section.email)


def _load_address(session: Session, report: LoadReport, person: Person, email: str | None) -> None:
    """The person's e-mail address as their `email` account, one per person: a changed
    address replaces it (and may be tried again), a removed one is unlinked. Whether the
    address bounced or was unsubscribed stays with the address, across loads."""
    address = email.strip().lower() if email else None
    mine = session.exec(
        select(Identity).where(Identity.person_id == person.id, Identity.platform == Platform.EMAIL)
    ).first()
    if mine is not None and mine.external_id == address:
        return
    if mine is not None:
        session.delete(mine)
        session.flush()
        report.count("accounts", "unlinked")
    if address is None:
        return
    other = session.exec(
        select(Identity).where(Identity.platform == Platform.EMAIL, Identity.external_id == address)
    ).first()
    if other is not None:  # the address moved from another person (or another alliance)
        other.person_id = person.id or 0
        report.count("accounts", "moved")
    else:
        session.add(
            Identity(person_id=person.id or 0, platform=Platform.EMAIL, external_id=address)
        )
        report.count("accounts", "linked")
