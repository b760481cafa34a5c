"""Calendars from files and web addresses, read at the edge for the core's jobs."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.calendar_feed import MAX_VALIDATOR, CalendarFeed, job_edge, read_calendar
from bot.core.agenda import (
    MAX_BYTES,
    CalendarAnswer,
    CalendarError,
    CalendarRequest,
    Fetched,
    NotModified,
    Validators,
)
from tests.core.agenda.test_calendars import FIXTURES
from tests.fakes.calendars import FakeCalendars

OUTLOOK = (FIXTURES / "outlook_weekly.ics").read_bytes()


def test_read_calendar_reads_a_file_relative_to_the_alliance_file() -> None:
    assert read_calendar("outlook_weekly.ics", FIXTURES) == OUTLOOK
    assert read_calendar(str(FIXTURES / "outlook_weekly.ics"), None) == OUTLOOK
    with pytest.raises(CalendarError, match="does not exist"):
        read_calendar("missing.ics", FIXTURES)
    with pytest.raises(CalendarError, match="not supported"):
        read_calendar("ftp://example.org/agenda.ics", None)


class _Calendars(ThreadingHTTPServer):
    pages: dict[str, tuple[int, bytes]]


@pytest.fixture
def web() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = server.pages.get(self.path, (404, b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = _Calendars(("127.0.0.1", 0), Handler)
    server.pages = {"/agenda.ics": (200, OUTLOOK), "/huge.ics": (200, b"x" * (MAX_BYTES + 1))}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_read_calendar_downloads_a_published_calendar(web: str) -> None:
    assert read_calendar(f"{web}/agenda.ics", None) == OUTLOOK
    with pytest.raises(CalendarError, match="answered 404"):
        read_calendar(f"{web}/elsewhere.ics", None)
    with pytest.raises(CalendarError, match="too large"):
        read_calendar(f"{web}/huge.ics", None)


def test_read_calendar_says_when_the_server_cannot_be_reached() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CalendarError, match="could not be reached"):
        read_calendar(f"http://127.0.0.1:{port}/agenda.ics", None)


def test_the_jobs_edge_reads_with_it() -> None:
    request = CalendarRequest(str(FIXTURES / "outlook_weekly.ics"))
    assert job_edge().calendars([request]) == {request: Fetched(OUTLOOK)}


# -- a run's calendars together: concurrent, conditional, within a budget ----------------------


@pytest.fixture
def calendars() -> Iterator[FakeCalendars]:
    with FakeCalendars().running() as fake:
        yield fake


def _answers(feed: CalendarFeed, *requests: CalendarRequest) -> list[CalendarAnswer]:
    found = feed(list(requests))
    assert set(found) == set(requests)  # every request answered, none left out
    return [found[request] for request in requests]


def test_a_calendar_comes_with_validators_and_unchanged_it_costs_a_304(
    calendars: FakeCalendars,
) -> None:
    calendars.publish("/a.ics", OUTLOOK)
    url = calendars.url("/a.ics")
    (first,) = _answers(CalendarFeed(), CalendarRequest(url))
    assert isinstance(first, Fetched) and first.data == OUTLOOK
    assert first.validators.etag == calendars.etag("/a.ics")
    assert first.validators.last_modified == "Sun, 01 Nov 2026 00:01:00 GMT"

    assert _answers(CalendarFeed(), CalendarRequest(url, first.validators)) == [NotModified()]
    sent = calendars.requests_to("/a.ics")[-1]
    assert (sent.if_none_match, sent.if_modified_since) == (
        first.validators.etag,
        first.validators.last_modified,
    )
    only_date = Validators(last_modified=first.validators.last_modified)
    assert _answers(CalendarFeed(), CalendarRequest(url, only_date)) == [NotModified()]

    edited = OUTLOOK.replace(b"END:VCALENDAR", b"X-EDITED:yes\r\nEND:VCALENDAR")
    assert edited != OUTLOOK
    calendars.publish("/a.ics", edited)
    (changed,) = _answers(CalendarFeed(), CalendarRequest(url, first.validators))
    assert isinstance(changed, Fetched) and changed.data == edited
    assert changed.validators.etag == calendars.etag("/a.ics") != first.validators.etag


def test_equal_requests_are_read_once_and_each_keeps_its_own_problem(
    calendars: FakeCalendars, tmp_path: Path
) -> None:
    calendars.publish("/a.ics", OUTLOOK)
    web, missing = CalendarRequest(calendars.url("/a.ics")), CalendarRequest("missing.ics")
    gone = CalendarRequest(calendars.url("/gone.ics"))
    found = CalendarFeed(base_dir=tmp_path)([web, missing, web, gone, missing])
    read = found[web]
    assert isinstance(read, Fetched) and read.data == OUTLOOK
    assert isinstance(found[missing], CalendarError) and "does not exist" in str(found[missing])
    assert isinstance(found[gone], CalendarError) and "answered 404" in str(found[gone])
    assert [s.path for s in calendars.seen] in (["/a.ics", "/gone.ics"], ["/gone.ics", "/a.ics"])


def test_a_304_to_a_full_read_is_a_problem_and_odd_validators_are_not_kept() -> None:
    class Odd(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(304 if self.path == "/304" else 200)
            self.send_header("ETag", '"' + "x" * MAX_VALIDATOR + '"')  # too long to keep
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Odd)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        odd, ok = _answers(CalendarFeed(), CalendarRequest(f"{base}/304"), CalendarRequest(base))
    finally:
        server.shutdown()
        server.server_close()
    assert isinstance(odd, CalendarError) and "answered 304" in str(odd)
    assert ok == Fetched(b"", Validators())


def test_slow_calendars_arrive_together_a_few_at_a_time(calendars: FakeCalendars) -> None:
    calendars.delay = 0.5
    requests = []
    for n in range(4):
        calendars.publish(f"/{n}.ics", OUTLOOK)
        requests.append(CalendarRequest(calendars.url(f"/{n}.ics")))
    assert all(isinstance(a, Fetched) for a in _answers(CalendarFeed(), *requests))
    first_answer = min(seen.answered for seen in calendars.seen)
    assert max(seen.arrived for seen in calendars.seen) < first_answer  # all asked at once

    started = time.monotonic()
    assert all(isinstance(a, Fetched) for a in _answers(CalendarFeed(concurrency=2), *requests))
    assert time.monotonic() - started >= 1.0  # two at a time: two delays


def test_a_silent_server_is_cut_off_at_the_budget_and_the_others_still_arrive(
    calendars: FakeCalendars,
) -> None:
    calendars.publish("/fast.ics", OUTLOOK)
    calendars.silent.add("/silent.ics")
    feed = CalendarFeed(timeout=30, budget=0.6)
    started = time.monotonic()
    silent, fast = _answers(
        feed,
        CalendarRequest(calendars.url("/silent.ics")),
        CalendarRequest(calendars.url("/fast.ics")),
    )
    assert time.monotonic() - started < 15  # the budget, not the 30 s timeout
    assert isinstance(silent, CalendarError)
    assert "had not arrived when the 0.6 seconds this run allows" in str(silent)
    assert isinstance(fast, Fetched)


def test_one_calendar_may_take_no_longer_than_its_timeout(calendars: FakeCalendars) -> None:
    calendars.silent.add("/silent.ics")
    started = time.monotonic()
    (silent,) = _answers(
        CalendarFeed(timeout=0.3, budget=30), CalendarRequest(calendars.url("/silent.ics"))
    )
    assert time.monotonic() - started < 15  # the timeout, not the 30 s budget
    assert isinstance(silent, CalendarError) and "within 0.3 seconds" in str(silent)


def test_the_feed_runs_from_async_code_too(calendars: FakeCalendars) -> None:
    calendars.publish("/a.ics", OUTLOOK)
    request = CalendarRequest(calendars.url("/a.ics"))

    async def job_started_from_a_loop() -> CalendarAnswer:
        return CalendarFeed()([request])[request]

    answer = asyncio.run(job_started_from_a_loop())
    assert isinstance(answer, Fetched) and answer.data == OUTLOOK


def test_a_feed_without_time_or_room_is_refused() -> None:
    for wrong in ({"timeout": 0}, {"budget": -1}, {"concurrency": 0}):
        with pytest.raises(ValueError, match="positive timeout and budget"):
            CalendarFeed(**wrong)  # type: ignore[arg-type]
