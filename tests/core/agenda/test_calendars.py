"""Reading calendar exports: exact instants, stable uids, types, and clear refusals.

The fixtures in tests/fixtures/calendars/ are hand-written in the shapes real exports take
(Outlook with Windows time zones, Google with all-day spans, a UTC feed, Dutch names). The
corpus walk feeds every file of the icalendar project's own test suite (real exports and
edge cases: ../shared/fixtures/ics, kept in the repository as tests/fixtures/ics-corpus so
that a clone anywhere has it) through the parser: each is imported or refused with a
sentence, and none takes long.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.agenda.calendars import (
    KIND_WORDS,
    MAX_BYTES,
    MAX_OCCURRENCES,
    CalendarError,
    Occurrence,
    classify,
    parse_calendar,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "calendars"
CORPUS = FIXTURES.parent / "ics-corpus"  # a copy of ../shared/fixtures/ics (BSD, see LICENSE)
SHARED_CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "ics"
KINDS = {*KIND_WORDS, "other"}
YEAR_2026: dict[str, Any] = {
    "window_start": datetime(2026, 1, 1, tzinfo=UTC),
    "window_end": datetime(2027, 1, 1, tzinfo=UTC),
}
OUTLOOK_SERIES = (
    "040000008200E00074C5B7101A82E00800000000B0E1A1C2D3E4F5060000000000000000100000006F5E4D3C2B1A09"
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def parse(data: bytes, **window: Any) -> list[Occurrence]:
    return parse_calendar(data, **{**YEAR_2026, **window})


def by_uid(occurrences: list[Occurrence]) -> dict[str, Occurrence]:
    return {o.uid: o for o in occurrences}


def calendar(*lines: str, eol: str = "\r\n") -> bytes:
    return eol.join(["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR", ""]).encode()


def event(*lines: str) -> tuple[str, ...]:
    return ("BEGIN:VEVENT", *lines, "END:VEVENT")


def refusal(data: bytes, **window: Any) -> str:
    with pytest.raises(CalendarError) as caught:
        parse(data, **window)
    message = str(caught.value)
    assert message and "Traceback" not in message
    return message


# -- Outlook: Windows time zones, a weekly series with EXDATE, a move and a cancellation ------


def test_outlook_weekly_series_in_a_windows_time_zone() -> None:
    found = parse(fixture("outlook_weekly.ics"))
    series = [o for o in found if o.uid.startswith(OUTLOOK_SERIES)]
    # COUNT=8 from 9 March: 16 March is an EXDATE; 23 March moved to the 24th; 6 April cancelled
    assert [(o.starts_at, o.cancelled) for o in series] == [
        (utc(2026, 3, 9, 9, 0), False),  # 10:00 in winter (CET) is 09:00 UTC
        (utc(2026, 3, 24, 12, 30), False),  # moved to 13:30, still winter time
        (utc(2026, 3, 30, 8, 0), False),  # summer time since 29 March: 10:00 CEST
        (utc(2026, 4, 6, 8, 0), True),
        (utc(2026, 4, 13, 8, 0), False),
        (utc(2026, 4, 20, 8, 0), False),
        (utc(2026, 4, 27, 8, 0), False),
    ]
    assert series[0].ends_at == utc(2026, 3, 9, 10, 30)
    assert {o.kind for o in series} == {"board"}  # "Bestuursvergadering"
    assert not any(o.all_day for o in series)


def test_a_moved_occurrence_keeps_the_uid_of_its_original_start() -> None:
    found = by_uid(parse(fixture("outlook_weekly.ics")))
    moved = found[f"{OUTLOOK_SERIES}#2026-03-23T09:00:00Z"]
    assert moved.title == "Bestuursvergadering (verplaatst)"
    assert moved.starts_at == utc(2026, 3, 24, 12, 30)
    assert f"{OUTLOOK_SERIES}#2026-03-16T09:00:00Z" not in found  # the EXDATE
    assert found[f"{OUTLOOK_SERIES}#2026-04-06T08:00:00Z"].cancelled


def test_romance_standard_time_across_the_october_change() -> None:
    found = by_uid(parse(fixture("outlook_weekly.ics")))
    council = found[
        "040000008200E00074C5B7101A82E0080000000011223344556677880000000000000000100000001122334455"
    ]
    # 26 October 2026 is the day after summer time ends: 14:30 CET is 13:30 UTC
    assert council.starts_at == utc(2026, 10, 26, 13, 30)
    assert council.ends_at == utc(2026, 10, 26, 15, 0)
    assert council.kind == "council"  # "Raadsvergadering begroting"


def test_the_outlook_file_is_folded_and_crlf() -> None:
    raw = fixture("outlook_weekly.ics")
    assert b"\r\n " in raw and raw.count(b"\r\n") == raw.count(b"\n")  # the uids are folded
    assert len(parse(raw)) == 8


def test_windows_time_zone_without_vtimezone_is_still_understood() -> None:
    data = calendar(
        *event("UID:w", 'DTSTART;TZID="W. Europe Standard Time":20260701T100000', "SUMMARY:x")
    )
    assert parse(data)[0].starts_at == utc(2026, 7, 1, 8, 0)


def test_each_file_gets_its_own_custom_time_zone() -> None:
    """icalendar caches VTIMEZONEs by TZID for the whole process; we must not inherit them."""

    def custom(offset: str) -> bytes:
        return calendar(
            "BEGIN:VTIMEZONE",
            "TZID:Customized Time Zone",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            f"TZOFFSETFROM:{offset}",
            f"TZOFFSETTO:{offset}",
            "END:STANDARD",
            "END:VTIMEZONE",
            *event("UID:c", "DTSTART;TZID=Customized Time Zone:20260701T100000"),
        )

    assert parse(custom("+0500"))[0].starts_at == utc(2026, 7, 1, 5, 0)
    assert parse(custom("-0300"))[0].starts_at == utc(2026, 7, 1, 13, 0)


# -- Google: all-day spans, categories, folded summaries ----------------------------------------


def test_google_all_day_spans_start_at_local_midnight() -> None:
    found = {o.title: o for o in parse(fixture("google_allday.ics"))}
    week = found["Week van de Huurder"]
    # 15-17 April (DTEND 18 April is exclusive), midnight in Amsterdam (CEST) in UTC
    assert (week.starts_at, week.ends_at, week.all_day) == (
        utc(2026, 4, 14, 22, 0),
        utc(2026, 4, 17, 22, 0),
        True,
    )
    weekend = found["Ledenweekend in Zeeland"]
    # 24-25 October spans the change to winter time: the end midnight is an hour later in UTC
    assert (weekend.starts_at, weekend.ends_at) == (utc(2026, 10, 23, 22, 0), utc(2026, 10, 25, 23))
    assert found["Kopij inleveren"].starts_at == utc(2026, 3, 19, 23, 0)  # winter: CET


def test_google_types_from_categories_then_summary() -> None:
    kinds = {o.title: o.kind for o in parse(fixture("google_allday.ics"))}
    assert kinds == {
        "Week van de Huurder": "campaign",  # CATEGORIES:Campagne
        "Kopij inleveren": "newsletter",  # CATEGORIES:Nieuwsbrief,Intern
        "Ledenweekend in Zeeland": "members",  # no categories: "Ledenweekend"
        "Bestuur bezoekt de open dag": "event",  # the first category wins over the summary
        # folded inside "nieuwsbrief" in the file, unfolded before matching
        "Redactieoverleg van huurdersbelangenvereniging over volgende nieuwsbrief": "newsletter",
    }
    assert b"nieuws\r\n brief" in fixture("google_allday.ics")


def test_a_moved_single_event_keeps_its_uid() -> None:
    before = by_uid(parse(fixture("google_allday.ics")))
    moved = fixture("google_allday.ics").replace(
        b"DTSTART;TZID=Europe/Amsterdam:20260613T100000",
        b"DTSTART;TZID=Europe/Amsterdam:20260620T110000",
    )
    after = by_uid(parse(moved))
    uid = "1q2w3e4r5t6y7u8i9o0p1a2s3d@google.com"
    assert set(before) == set(after)
    assert (before[uid].starts_at, after[uid].starts_at) == (
        utc(2026, 6, 13, 8, 0),
        utc(2026, 6, 20, 9, 0),
    )


# -- UTC feeds, floating times, cancellations, odd components ---------------------------------


def test_utc_feed_with_x_wr_timezone_keeps_the_local_hour_across_dst() -> None:
    found = [o for o in parse(fixture("utc_feed.ics")) if o.uid.startswith("commissie")]
    # Google's convention: UTC times plus X-WR-TIMEZONE repeat at 19:00 Amsterdam time
    assert [o.starts_at for o in found] == [
        utc(2026, 10, 15, 17, 0),
        utc(2026, 10, 22, 17, 0),
        utc(2026, 10, 29, 18, 0),
        utc(2026, 11, 5, 18, 0),
        utc(2026, 11, 12, 18, 0),
    ]
    assert {o.kind for o in found} == {"board"}
    assert b"\r" not in fixture("utc_feed.ics")  # served with bare LF line endings


def test_utc_feed_without_x_wr_timezone_repeats_in_utc() -> None:
    data = fixture("utc_feed.ics").replace(b"X-WR-TIMEZONE:Europe/Amsterdam\n", b"")
    found = [o for o in parse(data) if o.uid.startswith("commissie")]
    assert {o.starts_at.time() for o in found} == {utc(2026, 1, 1, 17).time()}
    council = by_uid(parse(data))["raad-2026-11-05@voorbeeld.nl"]
    assert (council.starts_at, council.kind) == (utc(2026, 11, 5, 18, 30), "council")


def test_cancelled_events_odd_components_and_missing_fields() -> None:
    found = parse(fixture("cancelled_and_odd.ics"))
    titles = [(o.title, o.starts_at, o.cancelled) for o in found]
    assert titles == [
        # RRULE (first Monday, COUNT=3) plus an RDATE on 20 January, 19:30 CET
        ("Overleg dagelijks bestuur", utc(2026, 1, 5, 18, 30), False),
        ("Overleg dagelijks bestuur", utc(2026, 1, 20, 18, 30), False),
        ("Overleg dagelijks bestuur", utc(2026, 2, 2, 18, 30), False),
        ("Overleg dagelijks bestuur", utc(2026, 3, 2, 18, 30), False),
        ("Algemene ledenvergadering", utc(2026, 5, 21, 18, 0), True),
        # a cancelled series: every occurrence is cancelled
        ("Campagne mantelzorg (vervalt)", utc(2026, 5, 31, 22, 0), True),
        ("Campagne mantelzorg (vervalt)", utc(2026, 6, 7, 22, 0), True),
        ("Deadline nieuwsbrief", utc(2026, 6, 9, 22, 0), False),  # no UID
        ("Zomercongres", utc(2026, 7, 1, 8, 0), False),  # floating 10:00 in Amsterdam
    ]
    # the VTODO, the VJOURNAL and the event without DTSTART are not there
    assert "Nieuwsbrief schrijven" not in {o.title for o in found}
    assert [o.kind for o in found][-5:] == [
        "members",
        "campaign",
        "campaign",
        "newsletter",
        "event",
    ]


def test_an_event_without_uid_gets_the_same_uid_every_time() -> None:
    first = [o.uid for o in parse(fixture("cancelled_and_odd.ics")) if o.title.startswith("Dead")]
    again = [o.uid for o in parse(fixture("cancelled_and_odd.ics")) if o.title.startswith("Dead")]
    assert first == again and first[0].startswith("nouid-")
    other = fixture("cancelled_and_odd.ics").replace(
        b"DTSTART;VALUE=DATE:20260610", b"DTSTART;VALUE=DATE:20260611"
    )
    assert [o.uid for o in parse(other) if o.title.startswith("Dead")] != first


def test_floating_times_follow_the_default_zone() -> None:
    data = calendar(*event("UID:f", "DTSTART:20260115T100000", "SUMMARY:Leden"))
    assert parse(data)[0].starts_at == utc(2026, 1, 15, 9, 0)
    assert parse(data, default_tz="America/New_York")[0].starts_at == utc(2026, 1, 15, 15, 0)


def test_an_empty_calendar_is_an_empty_list() -> None:
    assert parse(calendar("PRODID:-//x//y//EN")) == []
    assert parse(calendar(*event("UID:late", "DTSTART:20300101T100000Z"))) == []  # outside


def test_an_end_before_the_start_keeps_the_start() -> None:
    data = calendar(*event("UID:e", "DTSTART:20260301T100000Z", "DTEND:20260201T100000Z"))
    [found] = parse(data)
    assert (found.starts_at, found.ends_at) == (utc(2026, 3, 1, 10), None)


def test_legacy_encodings_are_read() -> None:
    text = calendar(*event("UID:l", "DTSTART:20260301T100000Z", "SUMMARY:Café raad")).decode()
    for encoded in (text.encode("cp1252"), text.encode("utf-16")):  # utf-16 with its BOM
        [found] = parse(encoded)
        assert (found.title, found.kind) == ("Café raad", "council")


# -- types ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "categories", "kind"),
    [
        ("Bestuursvergadering", [], "board"),
        ("Deadline nieuwsbrief", [], "newsletter"),
        ("Raadsvergadering", [], "council"),
        ("Gemeenteraad: raadsvergadering", [], "council"),
        ("Overleg cliëntenraad", [], "council"),
        ("Algemene ledenvergadering", [], "members"),
        ("Jaarcongres zorg", [], "event"),
        ("Campagneweek", [], "campaign"),
        ("Newsletter deadline", [], "newsletter"),
        ("Board meeting", [], "board"),
        ("Members' evening", [], "members"),
        ("Open day", ["Event"], "event"),
        ("Lunch", [], "other"),
        ("Twee weken geleden besproken", [], "other"),
        ("Keyboard training", [], "other"),
        ("Bestuur bezoekt de open dag", ["evenement", "Bestuur"], "event"),
        ("Raadsvergadering", ["Rode categorie", "Intern"], "council"),
        ("Lunch", ["NIEUWSBRIEF"], "newsletter"),
    ],
)
def test_classify(summary: str, categories: list[str], kind: str) -> None:
    assert classify(summary, categories) == kind


# -- refusals -----------------------------------------------------------------------------------


def test_broken_fixtures_are_refused_with_a_sentence() -> None:
    assert "web page (HTML)" in refusal(fixture("broken_garbage.ics"))
    assert "not an iCalendar file" in refusal(fixture("broken_binary.ics"))
    assert "incomplete" in refusal(fixture("broken_truncated.ics"))
    assert "empty" in refusal(b"  \r\n")
    assert "single calendar part (VEVENT)" in refusal(b"BEGIN:VEVENT\r\nEND:VEVENT\r\n")


def test_an_event_without_its_end_is_named_not_the_calendar() -> None:
    """An event missing END:VEVENT used to be diagnosed as "no END:VCALENDAR"."""
    data = calendar(
        "BEGIN:VEVENT",
        "UID:a",
        "SUMMARY:Bestuursvergadering",
        "DTSTART:20261203T180000Z",
        *event("UID:b", "SUMMARY:Ledenavond", "DTSTART:20261204T180000Z"),
    )
    message = refusal(data)
    assert "END:VEVENT" in message and "line 3" in message, message
    assert "Bestuursvergadering" in message and "Ledenavond" not in message
    assert "no END:VCALENDAR" not in message
    cut_off = calendar(*event("UID:a", "SUMMARY:Raad", "DTSTART:20261203T180000Z"))
    cut_off = cut_off.replace(b"END:VEVENT\r\n", b"").replace(b"END:VCALENDAR\r\n", b"")
    assert "END:VEVENT" in refusal(cut_off)


def test_an_unreadable_line_is_named_by_its_number() -> None:
    data = calendar(*event("UID:x", "DTSTART:20260301T100000Z"), "THIS IS NOT A CONTENT LINE")
    assert "at line 7" in refusal(data)  # VCALENDAR, VERSION, 4 event lines, then this


def test_an_unreadable_event_is_named() -> None:
    data = calendar(*event("UID:x", "SUMMARY:Bestuur", "DTSTART:2026-03-01"))
    message = refusal(data)
    assert '"Bestuur" (line 4)' in message and "DTSTART" in message


def test_too_large_input_is_refused_before_parsing() -> None:
    message = refusal(calendar("X-PAD:" + "a" * MAX_BYTES))
    assert "too large" in message and "5 MB" in message


def test_an_endless_rule_stops_at_the_cap() -> None:
    data = calendar(*event("UID:h", "DTSTART:20260101T000000Z", "RRULE:FREQ=HOURLY"))
    started = time.perf_counter()
    message = refusal(data)
    assert f"over {MAX_OCCURRENCES:,}" in message
    assert time.perf_counter() - started < 10


def test_a_runaway_rule_is_refused_before_expanding() -> None:
    data = calendar(
        *event("UID:m", "SUMMARY:Spam", "DTSTART:19900101T000000Z", "RRULE:FREQ=MINUTELY")
    )
    started = time.perf_counter()
    assert '"Spam" (line 4) repeats too often' in refusal(data)  # the UID's line
    assert time.perf_counter() - started < 2


def test_many_small_series_count_together() -> None:
    events = [
        line
        for i in range(40)
        for line in event(f"UID:s{i}", "DTSTART:20260101T000000Z", "RRULE:FREQ=DAILY")
    ]
    assert "too many occurrences" in refusal(calendar(*events))


def test_a_naive_window_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse_calendar(b"", window_start=datetime(2026, 1, 1), window_end=datetime(2027, 1, 1))


# -- the corpus walk ----------------------------------------------------------------------------

WALK: dict[str, Any] = {"window_start": utc(2020, 1, 1), "window_end": utc(2030, 1, 1)}


def corpus_params() -> list[Any]:
    """One parameter per corpus file (named by its path), or one that skips or fails."""
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-missing")]
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    return [pytest.param(p, id=p.relative_to(CORPUS).as_posix()) for p in files]


def need_corpus(path: Path | None) -> Path:
    if path is None:
        reason = f"the calendar corpus is missing: {CORPUS.resolve()}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (required under CI=true)")
        pytest.skip(reason)
    return path


def test_the_corpus_is_all_there() -> None:
    path = need_corpus(CORPUS if CORPUS.is_dir() else None)
    assert sum(1 for p in path.rglob("*") if p.is_file()) >= 150


@pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="no ../shared next to this checkout")
def test_the_copy_of_the_corpus_is_the_shared_one() -> None:
    """Where ../shared is at hand, the repository's copy holds exactly its files."""

    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()
        }

    assert files(CORPUS) == files(SHARED_CORPUS)


@pytest.mark.filterwarnings("ignore::icalendar.GloballyUniqueTZIDGuessed")
@pytest.mark.parametrize("path", corpus_params())
def test_corpus_file_is_imported_or_refused_clearly(path: Path | None) -> None:
    data = need_corpus(path).read_bytes()
    started = time.perf_counter()
    try:
        found = parse_calendar(data, **WALK)
    except CalendarError as exc:
        message = str(exc)
        assert message.strip() and "Traceback" not in message
        assert message[0].isupper() and message.endswith("."), message
        assert "\n" not in message and len(message) < 600, message
    else:
        assert len(found) <= MAX_OCCURRENCES
        assert len({o.uid for o in found}) == len(found)
        for o in found:
            assert o.starts_at.tzinfo is UTC and o.uid and o.kind in KINDS
            assert o.ends_at is None or (o.ends_at.tzinfo is UTC and o.ends_at > o.starts_at)
        assert found == sorted(found, key=lambda o: (o.starts_at, o.uid))
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("calendars/small_bad_calendar.ics", "incomplete"),
        ("calendars/issue_104_broken_calendar.ics", "at line 13"),
        ("calendars/broken_dtstart.ics", "its DTSTART is not valid"),
        ("calendars/rfc_7529.ics", "RSCALE"),
        ("calendars/pacific_fiji.ics", "more than one DTSTART"),
        ("calendars/issue_1081_invalid_rrule_freq.ics", "its RRULE is not valid"),
        ("README.md", "not an iCalendar file"),
    ],
)
def test_corpus_refusals_say_what_is_wrong(name: str, expected: str) -> None:
    path = need_corpus(CORPUS if CORPUS.is_dir() else None)
    assert expected in refusal((path / "icalendar-tests" / name).read_bytes(), **WALK)


def test_corpus_real_exports_are_imported() -> None:
    path = need_corpus(CORPUS if CORPUS.is_dir() else None) / "icalendar-tests" / "calendars"
    many = parse_calendar((path / "x_location.ics").read_bytes(), **WALK)
    assert len(many) > 1000  # a long series, expanded within the cap
    both = parse_calendar((path / "issue_1050_multiple_calendars.ics").read_bytes(), **WALK)
    assert both == []  # two VCALENDARs in one file are read, not refused
    day = parse_calendar(
        (path / "issue_722_timezone_transition_ambiguity.ics").read_bytes(),
        window_start=utc(2020, 1, 1),
        window_end=utc(2030, 1, 1) + timedelta(days=1),
    )
    assert day and all(o.starts_at.tzinfo is UTC for o in day)
