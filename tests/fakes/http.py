"""A small threaded HTTP server base shared by the fakes."""

from __future__ import annotations

import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class _Server(ThreadingHTTPServer):
    # Python's default listen backlog of 5 overflows when a client opens a connection per
    # call with several in flight; the kernel then drops handshakes and clients stall 1 s.
    # A burst of 200 (Slack's response_url, each through a new connection) needs more room.
    request_queue_size = 1024


def _is_form(kind: str, raw: bytes) -> bool:
    """A form post; an upload of file bytes may claim to be one, but is not text."""
    if kind and "x-www-form-urlencoded" not in kind:
        return False
    try:
        raw.decode()
    except UnicodeDecodeError:
        return False
    return True


def round_trip(delay: float, jitter: float = 0.0) -> None:
    """Wait as a real API's answer would take: `delay` seconds, give or take up to `jitter`
    (uniformly); nothing at all when both are 0 (the fakes' default)."""
    if delay or jitter:
        time.sleep(max(0.0, delay + random.uniform(-jitter, jitter)))


class FakeServer:
    """Runs `handle(path, params, headers)` for each request in a background thread."""

    def __init__(self) -> None:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlparse(self.path).query)
                self._answer({k: v[0] for k, v in query.items()})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                kind = self.headers.get("Content-Type", "")
                params: dict[str, Any]
                if "json" in kind:
                    params = json.loads(raw or b"{}")
                elif _is_form(kind, raw):
                    params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                else:  # uploads (multipart, raw bytes): the body as it came
                    params = {"_multipart": "multipart" in kind, "_raw": raw, "_content_type": kind}
                self._answer(params)

            def _answer(self, params: dict[str, Any]) -> None:
                status, body, headers = fake.handle(urlparse(self.path).path, params, self.headers)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.lock = threading.Lock()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def handle(
        self, path: str, params: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        raise NotImplementedError

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
