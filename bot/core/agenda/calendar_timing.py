"""Time zones and the repeat-rule budget: where a file's own definitions cost us most.

A file's TZIDs decide every instant, and trusting icalendar's process-wide cache or a
VTIMEZONE's rules from 1601 costs correctness or time (see `calendars`); a repeat rule can
cost dateutil unbounded work before any cap applies. Both are settled per file, before
anything is expanded, and that policy is kept here, apart from the events it is applied to.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import cache
from typing import Any, cast
from zoneinfo import ZoneInfo, available_timezones

import icalendar
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

from bot.core.agenda.calendar_common import CalendarError, Lines, event_label, prop, to_utc

# dateutil candidates a calendar's repeat rules may cost (dateutil makes about 200,000 a
# second); one rule alone may use at most half, so a runaway rule is named in the message.
MAX_RULE_STEPS = 400_000

_FREQ_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86_400,
    "WEEKLY": 7 * 86_400,
    "MONTHLY": 28 * 86_400,
    "YEARLY": 365 * 86_400,
}


# -- time zones ----------------------------------------------------------------------------


class Zones:
    """Resolves the TZIDs of one file (see the docstring of `calendars` for the order)."""

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
        name = zone_name(tzid)
        if name:
            return ZoneInfo(name)
        component = self._components.get(tzid)
        if component is not None:
            own: tzinfo = cast(icalendar.Timezone, component).to_tz(lookup_tzid=False)
            return own
        return None  # nobody defines it: floating time


def zone_name(tzid: str) -> str:
    """The IANA name a TZID means ("" if none): itself, a Windows name, or "/vendor/Olson"."""
    name = tzid.strip().strip('"').strip("/")
    parts = name.split("/")
    candidates = [name, WINDOWS_TO_OLSON.get(name, "")]
    candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    return next((c for c in candidates if c in _iana_names()), "")


@cache
def _iana_names() -> frozenset[str]:
    return frozenset(available_timezones())


# -- repeat rules --------------------------------------------------------------------------


class Budget:
    """The dateutil work the repeat rules may cost, spent event by event."""

    def __init__(self, window_end: datetime, zone: ZoneInfo, lines: Lines) -> None:
        self.window_end = window_end
        self.zone = zone
        self.lines = lines
        self.left = MAX_RULE_STEPS

    def spend(self, event: icalendar.Component, uid: str) -> None:
        rules = event.get("RRULE")
        if rules is None:
            return
        start = to_utc(prop(event, "DTSTART").dt, self.zone)
        for rule in rules if isinstance(rules, list) else [rules]:
            steps = _rule_steps(rule, start, self.window_end)
            if steps > MAX_RULE_STEPS // 2 or steps > self.left:
                label = event_label(event, uid, self.lines)
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
            end = min(end, to_utc(until, UTC))
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
