"""Moments and numbers as a reader sees them: in their time zone, in their language.

Times are stored in UTC; nobody reads UTC. So one place turns a stored moment into what a
page, a chat reply, a command line or a JSON document shows, and every one of them asks
here instead of calling `isoformat()` on a UTC value (which printed an all-day members'
meeting on 20 December as `2026-12-19T23:00:00+00:00`: the wrong day for anyone who reads
the date). JSON keeps the alliance's offset (`2026-12-20T00:00:00+01:00`) so a machine can
still compute with it, and an all-day moment also says so and names its date.

Numbers and dates in text follow the reader's language through Babel ("3,2" in Dutch).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.numbers import format_percent as babel_percent

DATE_LOCALES = {"en": "en_GB"}  # English as written in Europe ("2 March 2026", "3.2")

Zone = ZoneInfo | str


def _zone(zone: Zone) -> ZoneInfo:
    return zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)


def babel_locale(language: str) -> str:
    return DATE_LOCALES.get(language, language)


def local_moment(moment: datetime, zone: Zone) -> datetime:
    """`moment` on the clocks of `zone` (a naive value is taken to be UTC, as stored)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(zone))


def iso_local(moment: datetime | None, zone: Zone) -> str | None:
    """For JSON: ISO 8601 with the zone's offset, `2026-12-20T19:30:00+01:00`."""
    return None if moment is None else local_moment(moment, zone).isoformat()


def local_day(moment: datetime, zone: Zone) -> date:
    """The day `moment` falls on in `zone`: an all-day moment's own date."""
    return local_moment(moment, zone).date()


def moment_json(moment: datetime, zone: Zone, all_day: bool = False) -> dict[str, Any]:
    """The fields JSON gives an agenda moment's start besides its time: whether it lasts the
    whole day, and the date it is on there (the time of an all-day moment means nothing, and
    a reader of the date needs no arithmetic with offsets)."""
    return {"all_day": all_day, "date": local_day(moment, zone).isoformat()}


def local_text(moment: datetime, zone: Zone, all_day: bool = False) -> str:
    """For text columns of the command line: `2026-12-03 19:00`, or `2026-12-20` all day."""
    local = local_moment(moment, zone)
    return local.date().isoformat() if all_day else local.strftime("%Y-%m-%d %H:%M")


def format_number(
    value: float | int | None, language: str, digits: int = 1, signed: bool = False
) -> str:
    """`3,2` in Dutch and `3.2` in English (`+0,3` when `signed`); a dash for what could
    not be measured."""
    if value is None:
        return "-"
    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    if signed:
        pattern = f"+{pattern};-{pattern}"
    return format_decimal(value, format=pattern, locale=babel_locale(language))


def format_percent(value: float | None, language: str) -> str:
    """`85%` in English, `85%` in Dutch too, through Babel so the sign sits where it should."""
    if value is None:
        return "-"
    return babel_percent(value, locale=babel_locale(language))


def format_day(day: date | datetime, language: str, form: str = "long") -> str:
    """`20 december 2026` / `20 December 2026` (a datetime should be local already)."""
    value = day.date() if isinstance(day, datetime) else day
    return format_date(value, format=form, locale=babel_locale(language))


def format_moment(moment: datetime, zone: Zone, language: str) -> str:
    """`3 december 2026 19:00` in the reader's zone and language."""
    local = local_moment(moment, zone)
    return format_datetime(local, format="d MMMM y HH:mm", locale=babel_locale(language))
