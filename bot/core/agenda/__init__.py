"""agenda: TODO docstring."""

from __future__ import annotations

from bot.core.agenda.calendars import KIND_WORDS, OTHER, CalendarError, classify
from bot.core.agenda.items import fetch, import_agenda, upcoming
from bot.core.agenda.models import AgendaItem

__all__ = [
    "KIND_WORDS",
    "OTHER",
    "AgendaItem",
    "CalendarError",
    "classify",
    "fetch",
    "import_agenda",
    "upcoming",
]
