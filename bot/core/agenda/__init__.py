"""agenda: partners' calendars as agenda moments.

Parsing iCalendar into occurrences (repeat rules, time zones, cancellations) and storing them
per partner with moves and deletions, so that plans follow. Reading a calendar from a URL or
a file is the edge's job (`bot.adapters.calendar_feed`); the core gets the bytes through the
`CalendarReader` port the jobs receive.
"""

from __future__ import annotations

from bot.core.agenda.calendars import KIND_WORDS, MAX_BYTES, OTHER, CalendarError, classify
from bot.core.agenda.items import CalendarReader, import_agenda, read_ahead, upcoming
from bot.core.agenda.models import AgendaItem

__all__ = [
    "KIND_WORDS",
    "MAX_BYTES",
    "OTHER",
    "AgendaItem",
    "CalendarError",
    "CalendarReader",
    "classify",
    "import_agenda",
    "read_ahead",
    "upcoming",
]
