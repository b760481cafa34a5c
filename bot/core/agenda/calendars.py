"""Reading a partner's calendar file (.ics) into agenda moments: pure parsing, no database.

Partners keep their agendas in Outlook, Google Calendar, Apple Calendar or a council's
meeting system, and all of them export iCalendar, each with its own accent. This module
turns one export into a flat list of `Occurrence` values inside a time window, so that the
agenda store (`bot.core.agenda`) only has to compare lists, and the toolkit planner can time
snippets to board meetings, newsletter deadlines and council votes.

What it promises, and why
    * **Stable ids.** An occurrence's `uid` is the event's UID for a one-off event and the
      UID plus the occurrence's original start (its RECURRENCE-ID, in UTC) for an occurrence
      of a recurring event. A moved event or a moved occurrence therefore keeps its uid, and
      a re-import updates the planned snippets instead of planning them twice.
    * **Instants in UTC.** Everything leaves as an aware UTC datetime; an all-day event
      starts at local midnight of its date in the alliance's time zone (`default_tz`), and
      its end is the exclusive end (midnight after the last day), as iCalendar writes it.
    * **We choose every time zone ourselves.** icalendar 7 caches a calendar's VTIMEZONE
      definitions process-wide by TZID, so a second partner's "Customized Time Zone" would
      silently get the first partner's offsets; and a VTIMEZONE as Outlook writes it (rules
      from 1601, evaluated by dateutil) costs milliseconds per conversion. So each TZID is
      resolved by us (`calendar_timing`), per file: an IANA name or a Windows name
      (icalendar's own Windows-to-Olson table) becomes a `ZoneInfo`; any other TZID uses the
      file's own VTIMEZONE; a TZID nobody defines is treated as floating time. Floating
      times are in the calendar's X-WR-TIMEZONE when it has one (Google writes it), else in
      `default_tz`.
    * **Cancelled moments are kept, flagged.** STATUS:CANCELLED on an event or on one
      occurrence comes out with `cancelled=True`, because the store must see the cancellation
      to withdraw snippets already planned for it.
    * **Broken input is a `CalendarError`, never a traceback.** Its message is an English
      sentence for an operator or adviser: what is wrong and what to do about it. An event
      without DTSTART is skipped (it cannot be placed in time and is harmless); an event
      whose dates or repeat rule cannot be read rejects the whole file, because importing
      the rest would quietly drop a moment someone relies on.
    * **Bounded work.** Input is at most `MAX_BYTES`; at most `MAX_OCCURRENCES` occurrences
      in the window; repeat rules are costed before expansion (dateutil walks a rule from its
      first start, so a minutely rule from 1990 would hang long before any cap), and
      occurrences are expanded lazily, one series at a time, so an unbounded rule stops at
      the cap.

Types (CONTRACT.md, "Agenda items and their types") come from CATEGORIES when one names a
type, otherwise from the words of the SUMMARY, otherwise ``other``; the words are in
`KIND_WORDS`, the only place they are listed.

The parts: `kinds` holds the type words and `classify`; `calendar_timing` resolves time zones
and costs repeat rules; `calendar_events` checks events and expands them; `calendar_common`
holds what they share (`CalendarError`, `Occurrence`, message helpers). This module reads
the bytes and ties the steps together; every public name is importable from here.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import icalendar

from bot.core.agenda.calendar_common import CalendarError, Lines, Occurrence, describe, shorten
from bot.core.agenda.calendar_events import expand, prepare
from bot.core.agenda.calendar_timing import MAX_RULE_STEPS, Budget
from bot.core.agenda.kinds import KIND_WORDS, NOT_KIND_WORDS, OTHER, classify

__all__ = [
    "KIND_WORDS",
    "MAX_BYTES",
    "MAX_OCCURRENCES",
    "MAX_RULE_STEPS",
    "NOT_KIND_WORDS",
    "OTHER",
    "CalendarError",
    "Occurrence",
    "classify",
    "parse_calendar",
]

MAX_BYTES = 5 * 1024 * 1024
MAX_OCCURRENCES = 5_000


def parse_calendar(
    data: bytes,
    *,
    window_start: datetime,
    window_end: datetime,
    default_tz: str = "Europe/Amsterdam",
) -> list[Occurrence]:
    """All occurrences that overlap [window_start, window_end], sorted by start.

    Raises `CalendarError` for anything that is not a readable calendar; an empty calendar
    (no events) is an empty list.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("window_start and window_end must be aware datetimes")
    zone = ZoneInfo(default_tz)
    try:
        found = _parse(data, window_start, window_end, zone)
    except CalendarError:
        raise
    except Exception as exc:  # the last net: whatever slipped past the specific checks
        raise CalendarError(
            f"The calendar could not be read: {describe(exc)}. Export the calendar again "
            "from the calendar program."
        ) from None
    return sorted(found.values(), key=lambda o: (o.starts_at, o.uid))


def _parse(
    data: bytes, window_start: datetime, window_end: datetime, zone: ZoneInfo
) -> dict[str, Occurrence]:
    data = _as_utf8(data)
    calendars = _read(data)
    lines = Lines(data)
    found: dict[str, Occurrence] = {}
    budget = Budget(window_end, zone, lines)
    for calendar in calendars:
        prepared, recurring = prepare(calendar, budget)
        for occurrence in expand(prepared, recurring, window_start, window_end, zone, lines):
            found.setdefault(occurrence.uid, occurrence)  # a duplicate: the first one wins
            if len(found) > MAX_OCCURRENCES:
                raise CalendarError(
                    f"The calendar has too many occurrences (over {MAX_OCCURRENCES:,} in the "
                    f"window from {window_start:%Y-%m-%d} to {window_end:%Y-%m-%d}). Export "
                    "only the calendar the alliance needs, or a shorter period."
                )
    return found


# -- reading -------------------------------------------------------------------------------


def _as_utf8(data: bytes) -> bytes:
    """UTF-8 without NUL characters, whatever the exporter wrote.

    Older Outlook versions and some Windows tools write UTF-16 (with a byte order mark) or
    Windows-1252; icalendar would turn those into replacement characters or fail. NUL is
    never valid in iCalendar text, and PostgreSQL refuses it in text columns.
    """
    if len(data) > MAX_BYTES:
        raise CalendarError(
            f"The calendar is too large ({len(data) / 1024 / 1024:.1f} MB; at most "
            f"{MAX_BYTES // 1024 // 1024} MB is read). Export a shorter period, for example "
            "from last month onwards."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = data.decode("utf-16", errors="replace").encode("utf-8")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        data = data.decode("cp1252", errors="replace").encode("utf-8")
    return data.removeprefix(b"\xef\xbb\xbf").replace(b"\x00", b"")


def _read(data: bytes) -> list[icalendar.Calendar]:
    """The VCALENDARs in the file, or a CalendarError that says what kind of file it is."""
    head = data.lstrip()
    if not head:
        raise CalendarError("The calendar file is empty. Export the calendar again as .ics.")
    if head[:1] == b"<":
        raise CalendarError(
            "This is a web page (HTML), not an iCalendar file; the address probably shows a "
            "login or overview page. Use the calendar's public or secret iCal (.ics) address."
        )
    if not head[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        part = re.match(rb"BEGIN:(V[A-Z]{3,10})\s", head[:40].upper())
        if part:
            raise CalendarError(
                f"This is a single calendar part ({part.group(1).decode()}), not a whole "
                "calendar: it does not start with BEGIN:VCALENDAR. Export the calendar itself "
                "as .ics (iCalendar) and try again."
            )
        raise CalendarError(
            "This is not an iCalendar file: it does not start with BEGIN:VCALENDAR. "
            "Export the calendar as .ics (iCalendar) and try again."
        )
    try:
        components = icalendar.Calendar.from_ical(data, multiple=True)
    except Exception as exc:  # icalendar raises many kinds; all mean "cannot read this"
        raise (_unclosed(data) or _unreadable(exc, Lines(data))) from None
    calendars = [c for c in components if c.name == "VCALENDAR"]
    if not calendars:
        raise _unclosed(data) or CalendarError(
            "The calendar is incomplete: it has no END:VCALENDAR, so the file was probably "
            "cut off. Download or export it again."
        )
    return calendars


_PART_NAMES = {"VEVENT": "event", "VTIMEZONE": "time zone", "VALARM": "alarm", "VTODO": "task"}


def _unclosed(data: bytes) -> CalendarError | None:
    """The innermost part that is opened and never closed (an event without END:VEVENT
    makes the parser lose the whole calendar; naming END:VCALENDAR sent people looking at
    the file's last line instead of the event)."""
    opened: list[tuple[str, int]] = []  # (name, line of its BEGIN)
    for number, raw in enumerate(data.splitlines(), start=1):
        line = raw.strip().upper()
        if line.startswith(b"BEGIN:"):
            opened.append((line[6:].decode("ascii", "replace"), number))
        elif line.startswith(b"END:"):
            name = line[4:].decode("ascii", "replace")
            if opened and opened[-1][0] == name:
                opened.pop()
            elif any(n == name for n, _ in opened):
                break  # closes an outer part: the inner one on top was never closed
    if not opened or opened[-1][0] == "VCALENDAR":
        return None
    name, begin = opened[-1]
    what = _PART_NAMES.get(name, "part")
    title = _summary_after(data.splitlines()[begin:])
    return CalendarError(
        f"The calendar is incomplete: the {what} that begins at line {begin}{title} has no "
        f"END:{name}, so the file was cut off or edited by hand. Export the calendar again, "
        "or add the missing line."
    )


def _summary_after(lines: list[bytes]) -> str:
    """` ('Bestuur')`: the title of the part whose lines these are, up to the next part."""
    for raw in lines:
        if raw.upper().startswith(b"BEGIN:"):
            break
        if raw.upper().startswith(b"SUMMARY") and b":" in raw:
            text = raw.split(b":", 1)[1].decode("utf-8", "replace").strip()
            return f" ({shorten(text)!r})"
    return ""


def _unreadable(exc: BaseException, lines: Lines) -> CalendarError:
    message = str(exc)
    quoted = re.search(r"parsed into parts: '(.*?)':", message)
    if quoted:
        number = lines.find(quoted.group(1))
        where = f" at line {number}" if number else ""
        return CalendarError(
            f"The calendar could not be read{where}: the line {shorten(quoted.group(1))!r} "
            "is not a valid iCalendar line. Export the calendar again; a file edited by hand "
            "or by a mail program can break this way."
        )
    return CalendarError(
        f"The calendar could not be read: {describe(exc)}. Export the calendar again from "
        "the calendar program."
    )
