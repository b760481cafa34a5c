"""Checking a calendar's events and expanding them into occurrences.

The libraries fail late and anonymously: recurring_ical_events trips over a bad date or rule
only while expanding, with no word about which event it was. So every event is checked and
retimed first, with the event named in the message, and the expansion that follows stays
lazy so the caller's cap can stop an endless rule. That event-by-event work is kept here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from bot.core.agenda.calendar_common import (
    CalendarError,
    Lines,
    Occurrence,
    describe,
    event_label,
    prop,
    shorten,
    text_of,
    to_utc,
)
from bot.core.agenda.calendar_timing import Budget, Zones, zone_name
from bot.core.agenda.kinds import classify

_DATE_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")
_KEPT_PROPERTIES = (
    *_DATE_PROPERTIES,
    *("UID", "DURATION", "RRULE", "SEQUENCE", "STATUS", "SUMMARY", "CATEGORIES"),
)


# -- preparing events ----------------------------------------------------------------------


def prepare(calendar: icalendar.Calendar, budget: Budget) -> tuple[icalendar.Calendar, set[str]]:
    """A clean calendar to expand: only VEVENTs (to-dos and journal entries are not agenda
    moments), checked, with the properties we read and the time zones we chose.

    Returns it and the UIDs of recurring events (whose occurrences get the original start
    in their uid).
    """
    scale = str(calendar.get("CALSCALE", "GREGORIAN")).strip().upper()
    if scale != "GREGORIAN":
        raise CalendarError(
            f"The calendar uses the {shorten(scale)} calendar scale; only Gregorian calendars "
            "can be read. Export it with Gregorian dates."
        )
    clean = icalendar.Calendar()
    if zone_name(str(calendar.get("X-WR-TIMEZONE", ""))):
        # Google's default zone for floating and UTC times; an unknown one is left out,
        # and floating times are then in the alliance's zone
        clean["X-WR-TIMEZONE"] = zone_name(str(calendar["X-WR-TIMEZONE"]))
    zones = Zones(calendar)
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
            raise _bad_event(event_label(copy, uid, budget.lines), exc) from None
        if any(name in copy for name in ("RRULE", "RDATE", "RECURRENCE-ID")):
            recurring.add(uid)
        clean.add_component(copy)
    return clean, recurring


def _check(event: icalendar.Component, zones: Zones) -> None:
    """Fail here, with the event named, on what the expansion would trip over later."""
    for name in _DATE_PROPERTIES:
        values = prop(event, name)
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
    end = prop(event, "DTEND")
    if end is not None and to_utc(end.dt, UTC) < to_utc(prop(event, "DTSTART").dt, UTC):
        del event["DTEND"]  # an end before the start: keep the start, drop the end
    duration = event.get("DURATION")
    if duration is not None and not isinstance(duration.dt, timedelta):
        raise ValueError("its DURATION is not a duration")


def _retime_any(value: Any, zones: Zones, tzid: str | None, name: str) -> Any:
    if isinstance(value, tuple):  # a PERIOD: (start, end or duration)
        return tuple(_retime_any(v, zones, tzid, name) for v in value)
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, date):
        raise ValueError(f"its {name} holds a time of day without a date")
    return zones.retime(value, tzid)


def _content_uid(event: icalendar.Component) -> str:
    """A UID for an event without one: the same event gives the same uid on every import."""
    start = prop(event, "DTSTART")
    raw = f"{event.get('SUMMARY', '')}\n{start.params.get('TZID', '')}\n{start.to_ical()!r}"
    return "nouid-" + hashlib.sha256(raw.encode()).hexdigest()[:24]


# -- expanding -----------------------------------------------------------------------------


def expand(
    calendar: icalendar.Calendar,
    recurring: set[str],
    window_start: datetime,
    window_end: datetime,
    zone: ZoneInfo,
    lines: Lines,
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
            raise _bad_event(_series_label(calendar, str(series.uid), lines), exc) from None


def _culprit(calendar: icalendar.Calendar, lines: Lines, exc: Exception) -> CalendarError:
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
            return _bad_event(event_label(events[0], uid, lines), own)
    return CalendarError(
        f"The calendar could not be read: {describe(exc)}. Export the calendar again from "
        "the calendar program."
    )


def _series_label(calendar: icalendar.Calendar, uid: str, lines: Lines) -> str:
    event = next((e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid), None)
    return event_label(event, uid, lines) if event is not None else f"with UID {shorten(uid)}"


def _bad_event(label: str, exc: BaseException) -> CalendarError:
    return CalendarError(
        f"The event {label} could not be read: {describe(exc)}. Correct or remove it in the "
        "calendar program and export again."
    )


def _occurrence(component: icalendar.Component, recurring: set[str], zone: ZoneInfo) -> Occurrence:
    start = prop(component, "DTSTART").dt
    all_day = not isinstance(start, datetime)
    starts_at = to_utc(start, zone)
    end = prop(component, "DTEND")
    ends_at = to_utc(end.dt, zone) if end is not None else None
    if ends_at is not None and ends_at <= starts_at:
        ends_at = None  # a moment, not a span
    uid = str(component["UID"])
    if uid in recurring:
        original = prop(component, "RECURRENCE-ID").dt
        key = (
            to_utc(original, zone).strftime("%Y-%m-%dT%H:%M:%SZ")
            if isinstance(original, datetime)
            else original.isoformat()
        )
        uid = f"{uid}#{key}"
    title = text_of(component.get("SUMMARY"))
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
