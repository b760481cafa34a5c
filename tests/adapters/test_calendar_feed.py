"""Calendars from files and web addresses, read at the edge for the core's jobs."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from bot.adapters.calendar_feed import job_edge, read_calendar
from bot.core.agenda import MAX_BYTES, CalendarError, CalendarRequest, Fetched
from tests.core.agenda.test_calendars import FIXTURES

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
