"""agenda: partners' calendars as agenda moments.

Parsing iCalendar into occurrences (repeat rules, time zones, cancellations) and storing them
per partner with moves and deletions, so that plans follow. Reading a calendar from a URL or
a file is the edge's job (`bot.adapters.calendar_feed`); the core gets the bytes through the
`CalendarReader` port the jobs receive.
"""

from __future__ import annotations

from bot.core.agenda.calendars import CalendarError, KIND_WORDS, OTHER, classify
from bot.core.agenda.items import fetch, import_agenda, upcoming
from bot.core.agenda.models import AgendaItem

__all__ = [
    "AgendaItem",
    "CalendarError",
    "KIND_WORDS",
    "OTHER",
    "classify",
    "fetch",
    "import_agenda",
    "upcoming",
]
