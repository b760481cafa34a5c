"""Agreements: what partners promised at the table, and whether it happened.

Advisers keep these lists in spreadsheets today, so the CSV import is the main road in: the
whole file is checked first and every problem listed (`line 7, due_on: '31-02-2026' is not
a date (YYYY-MM-DD)`), nothing is imported while one problem remains, and importing a row
with a known `key` again updates it in place.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, func, select

from bot.core.followup.changes import record_csv_change
from bot.core.followup.models import Agreement, AgreementStatus, ChangeKind
from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Partner,
    Person,
    Region,
    Role,
    _,
    delimiter_of,
    utcnow,
)

COLUMNS = ("key", "text", "owner", "region", "made_on", "due_on", "done_on")
OPTIONAL = ("status", "note")
REQUIRED = ("key", "text", "owner", "made_on", "due_on")
STATUSES = tuple(AgreementStatus)
CSV_STATUSES = (AgreementStatus.OPEN, AgreementStatus.DONE, AgreementStatus.DROPPED)
MAX_TEXT = 1000
CLOSED = (AgreementStatus.DONE, AgreementStatus.DROPPED)  # nothing more to follow up


class Problems(list[str]):
    """Every problem as an English line, and beside them what to translate: the command
    line tells the operator in their own language (message ids are the English text)."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[tuple[str, dict[str, Any]]] = []

    def add(self, message: str, **values: Any) -> None:
        self.messages.append((message, values))
        self.append(message % values)


class AgreementFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
        self.messages = getattr(problems, "messages", [(p, {}) for p in problems])


@dataclass(frozen=True)
class AgreementRow:
    key: str
    text: str
    owner: str
    region: str | None
    made_on: date
    due_on: date
    done_on: date | None
    status: str | None = None  # open | done | dropped; None: from `done_on`, as before
    note: str | None = None  # None: the file has no `note` column (an existing note stays)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    keys: list[str] = field(default_factory=list)


def _date(value: str, line: int, column: str, problems: Problems) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.add(
            _("line %(line)s, %(column)s: %(value)r is not a date (YYYY-MM-DD)"),
            line=line,
            column=column,
            value=value,
        )
        return None


def parse_agreements_csv(
    text: str, partners: set[str], regions: set[str], delimiter: str | None = None
) -> list[AgreementRow]:
    """Every row checked; raises `AgreementFileError` with every problem found. Without a
    `delimiter`, the header row's separator is used (`;` from Dutch Excel, or `,`)."""
    text = text.removeprefix("\ufeff")  # spreadsheets like to start with a byte-order mark
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter or delimiter_of(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    problems = Problems()
    if missing:
        problems.add(
            _("line 1: missing column(s) %(missing)s; expected %(expected)s"),
            missing=", ".join(missing),
            expected=",".join(COLUMNS),
        )
        raise AgreementFileError(problems)
    rows: list[AgreementRow] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        checked = _check_row(row, line, seen, partners, regions, problems)
        if checked is not None:
            rows.append(checked)
    if problems:
        raise AgreementFileError(problems)
    return rows


def _check_row(
    row: dict[str, str],
    line: int,
    seen: dict[str, int],
    partners: set[str],
    regions: set[str],
    problems: Problems,
) -> AgreementRow | None:
    """One row, its problems added to `problems`; the row when it has none."""
    before = len(problems)
    for column in REQUIRED:
        if not row.get(column):
            problems.add(
                _("line %(line)s, %(column)s: required, but empty"), line=line, column=column
            )
    key, owner, region = row.get("key", ""), row.get("owner", ""), row.get("region") or None
    if key in seen:
        problems.add(
            _("line %(line)s, key: %(key)r also on line %(other)s"),
            line=line,
            key=key,
            other=seen[key],
        )
    seen.setdefault(key, line)
    if owner and owner not in partners:
        problems.add(_("line %(line)s, owner: unknown partner %(owner)r"), line=line, owner=owner)
    if region and region not in regions:
        problems.add(
            _("line %(line)s, region: unknown region %(region)r"), line=line, region=region
        )
    if len(row.get("text", "")) > MAX_TEXT:
        problems.add(
            _("line %(line)s, text: longer than %(max)s characters"), line=line, max=MAX_TEXT
        )
    made = _date(row["made_on"], line, "made_on", problems) if row.get("made_on") else None
    due = _date(row["due_on"], line, "due_on", problems) if row.get("due_on") else None
    done = _date(row["done_on"], line, "done_on", problems) if row.get("done_on") else None
    for column, day in (("due_on", due), ("done_on", done)):
        if made and day and day < made:
            problems.add(_("line %(line)s, %(column)s: before made_on"), line=line, column=column)
    status = _status(row, line, done, problems)
    if len(problems) > before or made is None or due is None:
        return None
    note = row["note"][:MAX_TEXT] if "note" in row else None
    return AgreementRow(key, row["text"], owner, region, made, due, done, status, note)


def _status(row: dict[str, str], line: int, done: date | None, problems: Problems) -> str | None:
    """The optional `status` column: one of open, done, dropped, and agreeing with done_on."""
    status = row.get("status", "").lower() or None
    if status is None:
        return None
    if status not in CSV_STATUSES:
        problems.add(
            _("line %(line)s, status: %(value)r is not one of open, done, dropped"),
            line=line,
            value=row["status"],
        )
    elif status == AgreementStatus.DONE and done is None:
        problems.add(_("line %(line)s, status: done needs a done_on date"), line=line)
    elif status == AgreementStatus.OPEN and done is not None:
        problems.add(_("line %(line)s, status: open, but done_on is filled in"), line=line)
    return status


def import_agreements(
    session: Session, alliance: Alliance, rows: list[AgreementRow], source: str = "csv"
) -> ImportReport:
    """Create or update by key, in one transaction; unchanged rows are not touched."""
    partners = {
        p.key: p for p in session.exec(select(Partner).where(Partner.alliance_id == alliance.id))
    }
    regions = {
        r.key: r for r in session.exec(select(Region).where(Region.alliance_id == alliance.id))
    }
    existing = {
        a.key: a
        for a in session.exec(select(Agreement).where(Agreement.alliance_id == alliance.id))
    }
    report = ImportReport()
    for row in rows:
        values: dict[str, Any] = {
            "text": row.text,
            "owner_partner_id": partners[row.owner].id,
            "region_id": regions[row.region].id if row.region else None,
            "made_on": row.made_on,
            "due_on": row.due_on,
            "done_on": row.done_on,
        }
        if row.note is not None:
            values["note"] = row.note or None
        agreement = existing.get(row.key)
        if agreement is None:
            status = row.status or (AgreementStatus.DONE if row.done_on else AgreementStatus.OPEN)
            session.add(
                Agreement(
                    alliance_id=alliance.id or 0,
                    key=row.key,
                    status=status,
                    source=source,
                    **values,
                )
            )
            report.created += 1
        elif _update(session, alliance, agreement, row, values, source):
            report.updated += 1
        else:
            report.unchanged += 1
        report.keys.append(row.key)
    if report.created or report.updated:
        session.add(
            AuditEvent(
                alliance_id=alliance.id,
                actor=source,
                action="agreements.imported",
                detail={"created": report.created, "updated": report.updated},
            )
        )
    session.flush()
    return report


def _update(
    session: Session,
    alliance: Alliance,
    agreement: Agreement,
    row: AgreementRow,
    values: dict[str, Any],
    source: str,
) -> bool:
    """Update one known agreement; a new due date or status is kept as a change (with the
    row's note as its reason), as if it had been moved or let go in chat."""
    target = row.status
    if target is None:  # as before the column existed: done_on decides, a drop stays
        if row.done_on:
            target = AgreementStatus.DONE
        elif agreement.status == AgreementStatus.DONE:
            target = AgreementStatus.OPEN
    changed = any(getattr(agreement, name) != value for name, value in values.items())
    if not changed and not _status_changes(agreement.status, target):
        return False
    reason = row.note or source
    if row.due_on != agreement.due_on and agreement.status not in CLOSED:
        record_csv_change(session, alliance, agreement, ChangeKind.MOVED, row.due_on, reason)
    for name, value in values.items():
        setattr(agreement, name, value)
    if target == AgreementStatus.DROPPED and agreement.status != AgreementStatus.DROPPED:
        record_csv_change(session, alliance, agreement, ChangeKind.DROPPED, row.due_on, reason)
    elif target == AgreementStatus.OPEN and agreement.status == AgreementStatus.DROPPED:
        record_csv_change(session, alliance, agreement, ChangeKind.REOPENED, row.due_on, reason)
    elif target is not None and _status_changes(agreement.status, target):
        agreement.status = target
    agreement.updated_at = utcnow()
    return True


def _status_changes(current: str, target: str | None) -> bool:
    """Whether `target` (open/done/dropped) says something else than `current`: open covers
    on track and stuck, which the CSV cannot say."""
    if target is None:
        return False
    if target == AgreementStatus.OPEN:
        return current in CLOSED
    return current != target


def agreement_json(
    agreement: Agreement, partners: dict[int, str], regions: dict[int, str]
) -> dict[str, Any]:
    return {
        "key": agreement.key,
        "text": agreement.text,
        "owner": partners.get(agreement.owner_partner_id),
        "region": regions.get(agreement.region_id) if agreement.region_id else None,
        "made_on": agreement.made_on.isoformat(),
        "due_on": agreement.due_on.isoformat(),
        "done_on": agreement.done_on.isoformat() if agreement.done_on else None,
        "status": agreement.status,
        "note": agreement.note,
    }


def list_agreements(
    session: Session, alliance: Alliance, partner_id: int | None = None, open_only: bool = False
) -> list[Agreement]:
    query = select(Agreement).where(Agreement.alliance_id == alliance.id)
    if partner_id is not None:
        query = query.where(Agreement.owner_partner_id == partner_id)
    if open_only:
        query = query.where(col(Agreement.status).not_in(CLOSED))
    return list(session.exec(query.order_by(col(Agreement.due_on), col(Agreement.key))))


def key_maps(session: Session, alliance: Alliance) -> tuple[dict[int, str], dict[int, str]]:
    partners = {
        p.id or 0: p.key
        for p in session.exec(select(Partner).where(Partner.alliance_id == alliance.id))
    }
    regions = {
        r.id or 0: r.key
        for r in session.exec(select(Region).where(Region.alliance_id == alliance.id))
    }
    return partners, regions


class EntryError(ValueError):
    """A new agreement that cannot be registered: `field` says which input is wrong."""

    def __init__(self, code: str, field: str, **details: str) -> None:
        super().__init__(code)
        self.code = code  # adviser_only | no_text | unknown_partner | unknown_region | due_past
        self.field = field  # text | partner | region | due
        self.details = details


@dataclass(frozen=True)
class NewAgreement:
    """One agreement typed in chat or a Slack modal (the CSV import has its own checks)."""

    text: str
    partner: str  # partner key
    due_on: date
    region: str | None = None
    source: str | None = None  # where it was made: "chat", "slack", a meeting


def register_agreement(
    session: Session, alliance: Alliance, person: Person, new: NewAgreement, made_on: date
) -> Agreement:
    """Check and store one agreement; every entry route (chat, Slack modal) comes here."""
    if Role.ADVISER not in person.role_set:
        raise EntryError("adviser_only", "text")
    text = new.text.strip()
    if not text:
        raise EntryError("no_text", "text")
    partner = session.exec(
        select(Partner).where(
            Partner.alliance_id == alliance.id, Partner.key == new.partner, col(Partner.active)
        )
    ).first()
    if partner is None:
        raise EntryError("unknown_partner", "partner", partner=new.partner)
    region = None
    if new.region:
        region = session.exec(
            select(Region).where(Region.alliance_id == alliance.id, Region.key == new.region)
        ).first()
        if region is None:
            raise EntryError("unknown_region", "region", region=new.region)
    if new.due_on < made_on:
        raise EntryError("due_past", "due")
    count = session.exec(
        select(func.count()).select_from(Agreement).where(Agreement.alliance_id == alliance.id)
    ).one()
    agreement = Agreement(
        alliance_id=alliance.id or 0,
        key=f"C{count + 1:03d}-{utcnow():%H%M%S}",
        text=text[:MAX_TEXT],
        owner_partner_id=partner.id or 0,
        region_id=region.id if region else None,
        made_on=made_on,
        due_on=new.due_on,
        source=new.source,
    )
    session.add(agreement)
    session.add(
        AuditEvent(
            alliance_id=alliance.id,
            actor=person.key,
            action="agreement.created",
            detail={"partner": partner.key, "source": new.source},
        )
    )
    session.flush()
    return agreement
