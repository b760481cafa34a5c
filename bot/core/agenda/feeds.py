"""The port through which the core asks for partners' calendars, and what it keeps of them.

The agendas job re-reads every partner's calendar every day, and on most days nothing has
changed. A web server can say so with a 304 when we send back what it told us about the
version we have (its `ETag` and `Last-Modified`: the *validators*), so the core keeps them
per partner, with the import they belong to. The core decides what to ask (which source,
with which validators) and what each answer means for the database; the edge
(`bot.adapters.calendar_feed`) does the asking. It gets every request in one call, so that
it can fetch them concurrently within one time budget for the run, and it answers each with
the bytes and their new validators (`Fetched`), `NotModified`, or a `CalendarError` — the
core opens no file and no connection.

Validators are sent only while they still describe what the database holds:

* they belong to the source they came from: a partner whose address changed (in the alliance
  file, or by an import by hand from somewhere else) is read in full;
* an import sees a window of time (from the day before to months ahead) that slides a day
  every day, so a calendar that did not change still brings new occurrences of its repeating
  events into view. After `FULL_READ_AFTER` it is read in full again, long before the
  snippets' planning horizon reaches the end of the window the last import saw.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.core.agenda.calendars import CalendarError
from bot.core.agenda.items import AgendaImport, import_agenda
from bot.core.kernel import Partner

log = logging.getLogger(__name__)

FULL_READ_AFTER = timedelta(days=7)


@dataclass(frozen=True)
class Validators:
    """What a web server said identifies the version it sent (either may be missing)."""

    etag: str | None = None
    last_modified: str | None = None

    @property
    def present(self) -> bool:
        return bool(self.etag or self.last_modified)


NO_VALIDATORS = Validators()


@dataclass(frozen=True)
class CalendarRequest:
    """One calendar to read: a file path or a web address, and the validators to send back
    (none: read it in full). Equal requests are read once, whoever asked."""

    source: str
    validators: Validators = NO_VALIDATORS


@dataclass(frozen=True)
class Fetched:
    """The calendar's bytes and the validators that came with them (none for a file)."""

    data: bytes
    validators: Validators = NO_VALIDATORS


@dataclass(frozen=True)
class NotModified:
    """The server answered 304 to the validators sent: the last import still stands."""


CalendarAnswer = Fetched | NotModified | CalendarError

CalendarFetcher = Callable[[Sequence[CalendarRequest]], Mapping[CalendarRequest, CalendarAnswer]]
"""The edge's side of the port: an answer for every request (`bot.adapters.calendar_feed`
for real, tests a fake). It must not raise for one calendar's problem: that calendar's
answer is its `CalendarError`, with a sentence an operator can act on."""


@dataclass(frozen=True)
class PartnerCalendar:
    """What the job asks for one partner, in plain values that outlive the transaction."""

    partner_id: int
    partner_key: str
    request: CalendarRequest


def request_for(partner: Partner, now: datetime) -> CalendarRequest:
    """The partner's calendar, conditional on its last good import when that still holds."""
    source = partner.agenda_source or ""
    imported_at = partner.agenda_imported_at
    current = (
        partner.agenda_imported_from == source
        and imported_at is not None
        and imported_at <= now < imported_at + FULL_READ_AFTER
    )
    if not current:
        return CalendarRequest(source)
    return CalendarRequest(source, Validators(partner.agenda_etag, partner.agenda_last_modified))


def calendar_requests(session: Session, alliance_id: int, now: datetime) -> list[PartnerCalendar]:
    """One request per active partner with a calendar, in a stable order."""
    partners = session.exec(
        select(Partner)
        .where(
            Partner.alliance_id == alliance_id,
            col(Partner.active),
            col(Partner.agenda_source).is_not(None),
        )
        .order_by(col(Partner.id))
    ).all()
    return [PartnerCalendar(p.id or 0, p.key, request_for(p, now)) for p in partners]


def remember_import(partner: Partner, source: str, validators: Validators, now: datetime) -> None:
    """Note a good import (caller commits, in the import's own transaction, so that the
    validators never describe an import that was rolled back)."""
    partner.agenda_imported_from = source
    partner.agenda_imported_at = now
    partner.agenda_etag = validators.etag
    partner.agenda_last_modified = validators.last_modified


def apply_answer(
    session: Session,
    wanted: PartnerCalendar,
    answer: CalendarAnswer | None,
    *,
    now: datetime,
    default_tz: str,
) -> AgendaImport | None:
    """Import what the edge answered for one partner (caller commits); None if nothing was.

    Raises the answer's `CalendarError`, or the parser's, before writing anything. The
    partner is read again first: it may have been archived, or given another calendar,
    while this one was on its way, and then this one is no longer its agenda."""
    if answer is None:
        raise CalendarError(
            f"The calendar at {wanted.request.source} was not read: the reader gave no answer "
            "for it. The next run tries again."
        )
    if isinstance(answer, CalendarError):
        raise answer
    if isinstance(answer, NotModified):
        log.info("agenda of %s unchanged since its last import", wanted.partner_key)
        return None
    partner = session.get(Partner, wanted.partner_id, populate_existing=True)
    if partner is None or not partner.active or partner.agenda_source != wanted.request.source:
        log.info("agenda of %s changed source while it was read: left out", wanted.partner_key)
        return None
    report = import_agenda(
        session, partner, answer.data, source="calendar", now=now, default_tz=default_tz
    )
    remember_import(partner, wanted.request.source, answer.validators, now)
    session.add(partner)
    return report
