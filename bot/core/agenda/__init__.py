"""agenda: partners' calendars as agenda moments.

Parsing iCalendar into occurrences (repeat rules, time zones, cancellations) and storing them
per partner with moves and deletions, so that plans follow. Reading a calendar from a URL or
a file is the edge's job (`bot.adapters.calendar_feed`); the core asks for them through the
`CalendarFetcher` port the jobs receive, and gets bytes, "not modified" or a problem back.
"""

from __future__ import annotations

from bot.core.agenda.calendars import KIND_WORDS, MAX_BYTES, OTHER, CalendarError, classify
from bot.core.agenda.feeds import (
    FULL_READ_AFTER,
    CalendarAnswer,
    CalendarFetcher,
    CalendarRequest,
    Fetched,
    NotModified,
    PartnerCalendar,
    Validators,
    apply_answer,
    calendar_requests,
    remember_import,
    request_for,
)
from bot.core.agenda.items import AgendaImport, count_upcoming, import_agenda, upcoming
from bot.core.agenda.models import AgendaItem

__all__ = [
    "FULL_READ_AFTER",
    "KIND_WORDS",
    "MAX_BYTES",
    "OTHER",
    "AgendaImport",
    "AgendaItem",
    "CalendarAnswer",
    "CalendarError",
    "CalendarFetcher",
    "CalendarRequest",
    "Fetched",
    "NotModified",
    "PartnerCalendar",
    "Validators",
    "apply_answer",
    "calendar_requests",
    "classify",
    "count_upcoming",
    "import_agenda",
    "remember_import",
    "request_for",
    "upcoming",
]
