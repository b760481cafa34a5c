"""What every step of reading a calendar shares, so the steps need not import each other.

Reading the file (`calendars`), choosing time zones and costing repeat rules
(`calendar_timing`) and checking and expanding events (`calendar_events`) all raise the same
`CalendarError`, name events and lines the same way in their messages, and read properties
and instants the same way; those small pieces live here, below all three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

import icalendar


class CalendarError(ValueError):
    """A calendar that cannot be imported; the message says why and what to do, in English."""


@dataclass(frozen=True)
class Occurrence:
    """One moment of a calendar inside the window: an event, or one occurrence of a series."""

    uid: str
    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime | None
    all_day: bool
    cancelled: bool


class Lines:
    """The file's logical (unfolded) lines with their physical line numbers, for messages."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._lines: list[tuple[int, str]] | None = None
        self._uids: dict[str, int] | None = None

    def _unfold(self) -> list[tuple[int, str]]:
        if self._lines is None:
            text = self._data.decode("utf-8", errors="replace")
            parts: list[tuple[int, list[str]]] = []  # joined once: folds can run to MBs
            for number, line in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
                if line[:1] in (" ", "\t") and parts:
                    parts[-1][1].append(line[1:])
                else:
                    parts.append((number, [line]))
            self._lines = [(number, "".join(pieces)) for number, pieces in parts]
        return self._lines

    def find(self, content: str) -> int | None:
        """The physical line number where a logical line with this content begins."""
        content = content.strip()
        if not content:
            return None
        for number, line in self._unfold():
            if line.strip() == content:
                return number
        for number, line in self._unfold():
            if content in line:
                return number
        return None

    def of_event(self, uid: str) -> int | None:
        """The line of the event's UID property (its first, for a series with overrides)."""
        if self._uids is None:
            self._uids = {}
            for number, line in self._unfold():
                if line[:4].upper() in ("UID:", "UID;"):
                    self._uids.setdefault(line.split(":", 1)[-1].strip(), number)
        return self._uids.get(uid.strip())


def event_label(event: icalendar.Component, uid: str, lines: Lines) -> str:
    """How a message names an event: its title, else its UID, else its start as written."""
    summary = text_of(event.get("SUMMARY"))
    if summary:
        named = f'"{shorten(summary)}"'
    elif not uid.startswith("nouid-"):
        named = f"with UID {shorten(uid)}"
    else:
        named = f"without title or UID starting {prop(event, 'DTSTART').to_ical().decode()}"
    number = lines.of_event(uid)
    return f"{named} (line {number})" if number else named


def to_utc(value: date, zone: tzinfo) -> datetime:
    """An aware UTC instant: dates at local midnight, floating times in `zone`."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


# -- words ---------------------------------------------------------------------------------


def prop(component: icalendar.Component, name: str) -> Any:
    """A property's value as icalendar parsed it (its type depends on the file, not on us)."""
    return component.get(name)


def text_of(value: Any) -> str:
    """A property's text on one line, "" when it is absent."""
    return " ".join(str(value).split()) if value is not None else ""


def shorten(text: str, limit: int = 80) -> str:
    """The text on one line, cut to `limit` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(exc: BaseException) -> str:
    """A short, plain reason from a library exception (no class names, no byte dumps)."""
    if isinstance(exc, RecursionError):
        return "its components are nested too deeply"
    if type(exc) is KeyError:
        return f"{str(exc.args[0]) if exc.args else 'a required property'} is missing"
    message = str(exc)
    broken = re.search(r"broken property '([\w-]+)'.*?\):\s*(.*)", message, re.S)
    if broken:
        return f"its {broken.group(1)} is not valid ({shorten(broken.group(2))})"
    if type(exc).__name__ == "BadRuleStringFormat":
        return f"its repeat rule (RRULE) is not valid ({shorten(message)})"
    message = re.sub(r"b'.*?'( \[\.\.\.\])?", "", message)
    message = message.splitlines()[0] if message.strip() else ""
    return shorten(message.strip(" :."), 200) or "its content is not valid iCalendar"
