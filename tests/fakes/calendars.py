"""A local calendar publisher, slow on demand, that answers conditional requests.

It serves each published calendar with an `ETag` (from its content) and a `Last-Modified`
(when it was published), answers 304 to a request whose `If-None-Match` (or, without one,
`If-Modified-Since`) still matches, waits `delay` seconds before every answer (a calendar
server far away), can keep some paths silent (the connection is taken, no answer ever
comes) and records every request it saw.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.http import _Server


@dataclass
class Seen:
    """One request as the server saw it: when it arrived and was answered (monotonic
    seconds), and how (status 0: not answered, as to a silent path)."""

    path: str
    if_none_match: str | None
    if_modified_since: str | None
    arrived: float
    status: int = 0
    answered: float = 0.0


@dataclass(frozen=True)
class _Page:
    body: bytes
    etag: str
    last_modified: str


class FakeCalendars:
    """Publish calendars at paths; point partners at `url(path)`."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.silent: set[str] = set()
        self.seen: list[Seen] = []
        self.first_arrival = threading.Event()
        self._pages: dict[str, _Page] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._published = 0
        self._server = _Server(("127.0.0.1", 0), self._handler())

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def publish(self, path: str, body: bytes) -> None:
        """(Re)publish a calendar: a new ETag, and a Last-Modified a minute after the last."""
        self._published += 1
        moment = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=self._published)
        stamp = format_datetime(moment, usegmt=True)
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        with self._lock:
            self._pages[path] = _Page(body, etag, stamp)

    def etag(self, path: str) -> str:
        return self._pages[path].etag

    def requests_to(self, path: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.seen if seen.path == path]

    def _answer(self, path: str, headers: Any) -> tuple[int, dict[str, str], bytes]:
        page = self._pages.get(path)
        if page is None:
            return 404, {}, b"not found"
        validators = {"ETag": page.etag, "Last-Modified": page.last_modified}
        match = headers.get("If-None-Match")
        since = headers.get("If-Modified-Since")
        if match is not None:
            unchanged = page.etag in (tag.strip() for tag in match.split(","))
        else:
            unchanged = since is not None and parsedate_to_datetime(since) >= parsedate_to_datetime(
                page.last_modified
            )
        if unchanged:
            return 304, validators, b""
        return 200, {**validators, "Content-Type": "text/calendar"}, page.body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen = Seen(
                    self.path,
                    self.headers.get("If-None-Match"),
                    self.headers.get("If-Modified-Since"),
                    time.monotonic(),
                )
                with fake._lock:
                    fake.seen.append(seen)
                fake.first_arrival.set()
                if self.path in fake.silent:
                    fake._released.wait()
                    return
                fake._released.wait(fake.delay)
                status, headers, body = fake._answer(self.path, self.headers)
                with fake._lock:
                    seen.status, seen.answered = status, time.monotonic()
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        return Handler

    @contextmanager
    def running(self) -> Iterator[FakeCalendars]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._released.set()  # silent and waiting handlers let go
            self._server.shutdown()
            self._server.server_close()
