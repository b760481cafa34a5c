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
      resolved here, per file: an IANA name or a Windows name (icalendar's own
      Windows-to-Olson table) becomes a `ZoneInfo`; any other TZID uses the file's own
      VTIMEZONE; a TZID nobody defines is treated as floating time. Floating times are in the
      calendar's X-WR-TIMEZONE when it has one (Google writes it), else in `default_tz`.
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
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo, available_timezones

import icalendar
import recurring_ical_events
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

MAX_BYTES = 5 * 1024 * 1024
MAX_OCCURRENCES = 5_000
# dateutil candidates a calendar's repeat rules may cost (dateutil makes about 200,000 a
# second); one rule alone may use at most half, so a runaway rule is named in the message.
MAX_RULE_STEPS = 400_000

# The agenda types and the words (English and Dutch) that name them, in order of precedence:
# a summary naming two types gets the first. A word matches a word of the text when it is
# the whole word, its beginning or its end ("Bestuursvergadering", "Gemeenteraad",
# "Deadline nieuwsbrief"), unless that word is in `NOT_KIND_WORDS`.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "newsletter": ("newsletter", "nieuwsbrief", "magazine"),
    "board": ("board", "bestuur", "stuurgroep"),
    "council": ("council", "raad", "assembly"),
    "members": ("member", "leden", "achterban", "constituency"),
    "event": ("event", "evenement", "congres"),
    "campaign": ("campaign", "campagne"),
}
NOT_KIND_WORDS = frozenset(
    [
        "billboard",
        "clipboard",
        "dashboard",
        "keyboard",
        "whiteboard",
        "remember",
        "remembers",
        "prevent",
        "eventual",
        "eventually",
        "beraad",
        "voorraad",
        "raadplegen",
        "raadpleging",
        "raadsel",
        "geleden",
        "overleden",
    ]
)
OTHER = "other"

_DATE_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
_KEPT_PROPERTIES = (
    *_DATE_PROPERTIES,
    *("UID", "DURATION", "RRULE", "SEQUENCE", "STATUS", "SUMMARY", "CATEGORIES"),
)
_FREQ_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86_400,
    "WEEKLY": 7 * 86_400,
    "MONTHLY": 28 * 86_400,
    "YEARLY": 365 * 86_400,
}
_WORD = re.compile(r"[^\W\d_]+")


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


def classify(summary: str, categories: Iterable[str] = ()) -> str:
    """The agenda type: from the first category that names one, else the summary, else other."""
    for category in categories:
        kind = _kind_in(category)
        if kind != OTHER:
            return kind
    return _kind_in(summary)


def _kind_in(text: str) -> str:
    words = [w for w in _WORD.findall(text.casefold()) if w not in NOT_KIND_WORDS]
    for kind, names in KIND_WORDS.items():
        for word in words:
            if any(word.startswith(n) or word.endswith(n) for n in names):
                return kind
    return OTHER


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
            f"The calendar could not be read: {_describe(exc)}. Export the calendar again "
            "from the calendar program."
        ) from None
    return sorted(found.values(), key=lambda o: (o.starts_at, o.uid))


def _parse(
    data: bytes, window_start: datetime, window_end: datetime, zone: ZoneInfo
) -> dict[str, Occurrence]:
    data = _as_utf8(data)
    calendars = _read(data)
    lines = _Lines(data)
    found: dict[str, Occurrence] = {}
    budget = _Budget(window_end, zone, lines)
    for calendar in calendars:
        prepared, recurring = _prepare(calendar, budget)
        for occurrence in _expand(prepared, recurring, window_start, window_end, zone, lines):
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
        raise _unreadable(exc, _Lines(data)) from None
    calendars = [c for c in components if c.name == "VCALENDAR"]
    if not calendars:
        raise CalendarError(
            "The calendar is incomplete: it has no END:VCALENDAR, so the file was probably "
            "cut off. Download or export it again."
        )
    return calendars


def _unreadable(exc: BaseException, lines: _Lines) -> CalendarError:
    message = str(exc)
    quoted = re.search(r"parsed into parts: '(.*?)':", message)
    if quoted:
        number = lines.find(quoted.group(1))
        where = f" at line {number}" if number else ""
        return CalendarError(
            f"The calendar could not be read{where}: the line {_shorten(quoted.group(1))!r} "
            "is not a valid iCalendar line. Export the calendar again; a file edited by hand "
            "or by a mail program can break this way."
        )
    return CalendarError(
        f"The calendar could not be read: {_describe(exc)}. Export the calendar again from "
        "the calendar program."
    )


class _Lines:
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


# -- preparing events ----------------------------------------------------------------------


class _Budget:
    """The dateutil work the repeat rules may cost, spent event by event."""

    def __init__(self, window_end: datetime, zone: ZoneInfo, lines: _Lines) -> None:
        self.window_end = window_end
        self.zone = zone
        self.lines = lines
        self.left = MAX_RULE_STEPS

    def spend(self, event: icalendar.Component, uid: str) -> None:
        rules = event.get("RRULE")
        if rules is None:
            return
        start = _to_utc(_get(event, "DTSTART").dt, self.zone)
        for rule in rules if isinstance(rules, list) else [rules]:
            steps = _rule_steps(rule, start, self.window_end)
            if steps > MAX_RULE_STEPS // 2 or steps > self.left:
                label = _label(event, uid, self.lines)
                raise CalendarError(
                    f"The event {label} repeats too often to be read (about {steps:,} "
                    f"repetitions from {start:%Y-%m-%d} to {self.window_end:%Y-%m-%d}). Give it "
                    "an end date or a longer interval in the calendar program."
                )
            self.left -= steps


def _rule_steps(rule: Any, start: datetime, window_end: datetime) -> int:
    """Roughly how many candidates dateutil generates for this rule up to window_end.

    dateutil walks from DTSTART, one period at a time, and expands BYHOUR/BYMINUTE/BYSECOND
    lists within each period; a COUNT without filters stops the walk early.
    """
    freq = str(rule.get("FREQ", ["DAILY"])[0]).upper()
    interval = max(1, int(rule.get("INTERVAL", [1])[0]))
    end = window_end
    for until in rule.get("UNTIL", []):
        if isinstance(until, date):
            end = min(end, _to_utc(until, UTC))
    span = (end - start).total_seconds()
    if span <= 0:
        return 1
    periods = int(span / (_FREQ_SECONDS.get(freq, 86_400) * interval)) + 1
    finer = {"SECONDLY": (), "MINUTELY": ("BYSECOND",), "HOURLY": ("BYMINUTE", "BYSECOND")}
    per_period = 1
    for part in finer.get(freq, ("BYHOUR", "BYMINUTE", "BYSECOND")):
        per_period *= max(1, len(rule.get(part, [])))
    filtered = any(str(key).upper().startswith("BY") for key in rule)
    count = rule.get("COUNT")
    if count and not filtered:
        periods = min(periods, int(count[0]))
    return periods * per_period


def _prepare(calendar: icalendar.Calendar, budget: _Budget) -> tuple[icalendar.Calendar, set[str]]:
    """A clean calendar to expand: only VEVENTs (to-dos and journal entries are not agenda
    moments), checked, with the properties we read and the time zones we chose.

    Returns it and the UIDs of recurring events (whose occurrences get the original start
    in their uid).
    """
    scale = str(calendar.get("CALSCALE", "GREGORIAN")).strip().upper()
    if scale != "GREGORIAN":
        raise CalendarError(
            f"The calendar uses the {_shorten(scale)} calendar scale; only Gregorian calendars "
            "can be read. Export it with Gregorian dates."
        )
    clean = icalendar.Calendar()
    if _zone_name(str(calendar.get("X-WR-TIMEZONE", ""))):
        # Google's default zone for floating and UTC times; an unknown one is left out,
        # and floating times are then in the alliance's zone
        clean["X-WR-TIMEZONE"] = _zone_name(str(calendar["X-WR-TIMEZONE"]))
    zones = _Zones(calendar)
    recurring: set[str] = set()
    for event in calendar.walk("VEVENT"):
        if "DTSTART" not in event:
            continue  # cannot be placed in time; RFC 5545 allows it only with METHOD
        # only what we read: recurring_ical_events copies every property of an event for
        # each occurrence, and an Outlook event carries twenty we never look at
        copy = icalendar.Event()
        for name in _KEPT_PROPERTIES:
            if name in event:
                copy[name] = event[name]
        if "UID" not in copy:
            copy["UID"] = _content_uid(event)
        uid = str(copy["UID"])
        try:
            _check(copy, zones)
            budget.spend(copy, uid)
        except CalendarError:
            raise
        except Exception as exc:
            raise _bad_event(_label(copy, uid, budget.lines), exc) from None
        if any(name in copy for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
            recurring.add(uid)
        clean.add_component(copy)
    return clean, recurring


def _check(event: icalendar.Component, zones: _Zones) -> None:
    """Fail here, with the event named, on what the expansion would trip over later."""
    for name in _DATE_PROPERTIES:
        values = _get(event, name)
        if values is None:
            continue
        if name in ("DTSTART", "DTEND", "RECURRENCE-ID"):
            if isinstance(values, list):
                raise ValueError(f"it has more than one {name}")
            if not isinstance(values.dt, date):  # a time of day alone, or unreadable
                raise ValueError(f"its {name} is not a date or a date and time")
            values.dt = zones.retime(values.dt, values.params.get("TZID"))
            continue
        for value in values if isinstance(values, list) else [values]:
            tzid = value.params.get("TZID")
            for item in value.dts:
                item.dt = _retime_any(item.dt, zones, tzid, name)
    rules = event.get("RRULE")
    for rule in rules if isinstance(rules, list) else [] if rules is None else [rules]:
        if "RSCALE" in rule:
            raise ValueError(
                "its repeat rule (RRULE) uses a non-Gregorian calendar (RSCALE), "
                "which is not supported"
            )
    end = _get(event, "DTEND")
    if end is not None and _to_utc(end.dt, UTC) < _to_utc(_get(event, "DTSTART").dt, UTC):
        del event["DTEND"]  # an end before the start: keep the start, drop the end
    duration = event.get("DURATION")
    if duration is not None and not isinstance(duration.dt, timedelta):
        raise ValueError("its DURATION is not a duration")


def _retime_any(value: Any, zones: _Zones, tzid: str | None, name: str) -> Any:
    if isinstance(value, tuple):  # a PERIOD: (start, end or duration)
        return tuple(_retime_any(v, zones, tzid, name) for v in value)
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, date):
        raise ValueError(f"its {name} holds a time of day without a date")
    return zones.retime(value, tzid)


class _Zones:
    """Resolves the TZIDs of one file (see the module docstring for the order)."""

    def __init__(self, calendar: icalendar.Calendar) -> None:
        self._components = {str(c["TZID"]): c for c in calendar.walk("VTIMEZONE") if "TZID" in c}
        self._resolved: dict[str, tzinfo | None] = {}

    def retime(self, value: date, tzid: str | None) -> date:
        """The same wall-clock time in the zone this file means by `tzid`."""
        if not isinstance(value, datetime) or tzid is None:
            return value  # a date, a UTC time, or a floating time
        if tzid not in self._resolved:
            self._resolved[tzid] = self._resolve(tzid)
        return value.replace(tzinfo=self._resolved[tzid])

    def _resolve(self, tzid: str) -> tzinfo | None:
        name = _zone_name(tzid)
        if name:
            return ZoneInfo(name)
        component = self._components.get(tzid)
        if component is not None:
            own: tzinfo = cast(icalendar.Timezone, component).to_tz(lookup_tzid=False)
            return own
        return None  # nobody defines it: floating time


def _zone_name(tzid: str) -> str:
    """The IANA name a TZID means ("" if none): itself, a Windows name, or "/vendor/Olson"."""
    name = tzid.strip().strip('"').strip("/")
    parts = name.split("/")
    candidates = [name, WINDOWS_TO_OLSON.get(name, "")]
    candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    return next((c for c in candidates if c in _iana_names()), "")


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(available_timezones())


def _content_uid(event: icalendar.Component) -> str:
    """A UID for an event without one: the same event gives the same uid on every import."""
    start = _get(event, "DTSTART")
    raw = f"{event.get('SUMMARY', '')}\n{start.params.get('TZID', '')}\n{start.to_ical()!r}"
    return "nouid-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


def _label(event: icalendar.Component, uid: str, lines: _Lines) -> str:
    """How a message names an event: its title, else its UID, else its start as written."""
    summary = _text(event.get("SUMMARY"))
    if summary:
        named = f'"{_shorten(summary)}"'
    elif not uid.startswith("nouid-"):
        named = f"with UID {_shorten(uid)}"
    else:
        named = f"without title or UID starting {_get(event, 'DTSTART').to_ical().decode()}"
    number = lines.of_event(uid)
    return f"{named} (line {number})" if number else named


# -- expanding -----------------------------------------------------------------------------


def _expand(
    calendar: icalendar.Calendar,
    recurring: set[str],
    window_start: datetime,
    window_end: datetime,
    zone: ZoneInfo,
    lines: _Lines,
) -> Iterator[Occurrence]:
    """Occurrences series by series, lazily, so the caller's cap stops an endless rule."""
    # span in the default zone: recurring_ical_events compares floating times and dates
    # in the zone of the span, which is where we read them too
    start, end = window_start.astimezone(zone), window_end.astimezone(zone)
    try:
        series_list = list(recurring_ical_events.of(calendar).series)
    except Exception as exc:
        raise _culprit(calendar, lines, exc) from None
    for series in series_list:
        try:
            for found in series.between(start, end):
                yield _occurrence(found.as_component(False), recurring, zone)
        except CalendarError:
            raise
        except Exception as exc:
            raise _bad_event(_event_label(calendar, str(series.uid), lines), exc) from None


def _culprit(calendar: icalendar.Calendar, lines: _Lines, exc: Exception) -> CalendarError:
    """Name the event that broke the whole query, by trying the events' series one by one."""
    series: dict[str, list[icalendar.Component]] = {}
    for event in calendar.walk("VEVENT"):
        series.setdefault(str(event["UID"]), []).append(event)
    for uid, events in series.items():
        alone = icalendar.Calendar()
        for name, value in calendar.items():
            alone[name] = value
        for event in events:
            alone.add_component(event)
        try:
            recurring_ical_events.of(alone)
        except Exception as own:
            return _bad_event(_label(events[0], uid, lines), own)
    return CalendarError(
        f"The calendar could not be read: {_describe(exc)}. Export the calendar again from "
        "the calendar program."
    )


def _event_label(calendar: icalendar.Calendar, uid: str, lines: _Lines) -> str:
    event = next((e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid), None)
    return _label(event, uid, lines) if event is not None else f"with UID {_shorten(uid)}"


def _bad_event(label: str, exc: BaseException) -> CalendarError:
    return CalendarError(
        f"The event {label} could not be read: {_describe(exc)}. Correct or remove it in the "
        "calendar program and export again."
    )


def _occurrence(component: icalendar.Component, recurring: set[str], zone: ZoneInfo) -> Occurrence:
    start = _get(component, "DTSTART").dt
    all_day = not isinstance(start, datetime)
    starts_at = _to_utc(start, zone)
    end = _get(component, "DTEND")
    ends_at = _to_utc(end.dt, zone) if end is not None else None
    if ends_at is not None and ends_at <= starts_at:
        ends_at = None  # a moment, not a span
    uid = str(component["UID"])
    if uid in recurring:
        original = _get(component, "RECURRENCE-ID").dt
        key = (
            _to_utc(original, zone).strftime("%Y-%m-%dT%H:%M:%SZ")
            if isinstance(original, datetime)
            else original.isoformat()
        )
        uid = f"{uid}#{key}"
    title = _text(component.get("SUMMARY"))
    return Occurrence(
        uid=uid,
        title=title,
        kind=classify(title, _categories(component)),
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        cancelled=str(component.get("STATUS", "")).strip().upper() == "CANCELLED",
    )


def _categories(component: icalendar.Component) -> list[str]:
    values = component.get("CATEGORIES")
    if values is None:
        return []
    found: list[str] = []
    for value in values if isinstance(values, list) else [values]:
        cats = getattr(value, "cats", None)
        found += [str(c) for c in cats] if cats is not None else str(value).split(",")
    return found


def _to_utc(value: date, zone: tzinfo) -> datetime:
    """An aware UTC instant: dates at local midnight, floating times in `zone`."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


# -- words ---------------------------------------------------------------------------------


def _get(component: icalendar.Component, name: str) -> Any:
    """A property's value as icalendar parsed it (its type depends on the file, not on us)."""
    return component.get(name)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _shorten(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(exc: BaseException) -> str:
    """A short, plain reason from a library exception (no class names, no byte dumps)."""
    if isinstance(exc, RecursionError):
        return "its components are nested too deeply"
    if type(exc) is KeyError:
        return f"{str(exc.args[0]) if exc.args else 'a required property'} is missing"
    message = str(exc)
    broken = re.search(r"broken property '([\w-]+)'.*?\):\s*(.*)", message, re.S)
    if broken:
        return f"its {broken.group(1)} is not valid ({_shorten(broken.group(2))})"
    if type(exc).__name__ == "BadRuleStringFormat":
        return f"its repeat rule (RRULE) is not valid ({_shorten(message)})"
    message = re.sub(r"b'.*?'( \[\.\.\.\])?", "", message)
    message = message.splitlines()[0] if message.strip() else ""
    return _shorten(message.strip(" :."), 200) or "its content is not valid iCalendar"
