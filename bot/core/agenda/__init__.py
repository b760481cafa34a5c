"""agenda: partners' calendars in the database, reconciled on every import.

Reading a calendar is the edge's work: callers hand in the bytes, or a `CalendarReader`.
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
