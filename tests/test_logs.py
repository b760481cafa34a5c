"""Secrets never reach the logs: what the configured handlers write comes out redacted."""

from __future__ import annotations

import io
import logging
import socket
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine

from bot.adapters.web import create_web_app
from bot.app import uvicorn_log_config
from bot.cli import _root
from bot.logs import REDACTED, RedactSecrets, redact

TELEGRAM_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
TOOLKIT_TOKEN = "Xq3vK9mZ1pL8sT2wR7yB4nC6dF0gH5jA"


@pytest.mark.parametrize(
    ("line", "kept", "secret"),
    [
        (f'"GET /toolkit/{TOOLKIT_TOKEN}?lang=en HTTP/1.1" 200', "/toolkit/", TOOLKIT_TOKEN),
        (f'"POST /mail/{TOOLKIT_TOKEN} HTTP/1.1" 200', "/mail/", TOOLKIT_TOKEN),  # e-mail links
        (
            f"HTTP Request: POST https://api.telegram.org/bot{TELEGRAM_TOKEN}/getUpdates",
            "https://api.telegram.org/bot123456789:",
            TELEGRAM_TOKEN.split(":")[1],
        ),
        (f"token={TELEGRAM_TOKEN}", "123456789:", TELEGRAM_TOKEN.split(":")[1]),
        ("Authorization: Bearer xoxb-1234-5678-abcdefABCDEF", "Bearer", "xoxb-1234"),
        ("connecting with xapp-1-A0-123-abcdef", "connecting", "xapp-1"),
        ("smtp://mailer:s3cret@mail.example.org:587", "smtp://mailer:", "s3cret"),
        ("GET /slack/charts/12-AbCdEf0123456789_-xyz.png", "/slack/charts/12-", "AbCdEf0123"),
    ],
)
def test_redact_removes_the_secret_and_keeps_what_helps_reading(
    line: str, kept: str, secret: str
) -> None:
    cleaned = redact(line)
    assert secret not in cleaned and REDACTED in cleaned and kept in cleaned


def test_redact_leaves_ordinary_lines_alone() -> None:
    for line in ("GET /healthz 200", "12:30:45 started", "round 3 closed at 2026-12-01T10:00"):
        assert redact(line) == line


@pytest.fixture
def root_level() -> Iterator[None]:
    level = logging.getLogger().level
    try:
        yield
    finally:
        logging.getLogger().setLevel(level)


def test_debug_logging_of_the_command_line_redacts_what_httpx_logs(
    root_level: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`alliancebot --debug`: httpx logs every Bot API request, token and all, at INFO;
    the root logger's handler writes it redacted. A traceback is redacted too."""
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    monkeypatch.setattr(logging.getLogger(), "handlers", [])  # as in a fresh process
    _root(debug=True)
    url = httpx.URL(f"https://api.telegram.org/bot{TELEGRAM_TOKEN}/getMe")
    logging.getLogger("httpx").info(
        'HTTP Request: %s %s "%s %d %s"', "POST", url, "HTTP/1.1", 200, "OK"
    )
    try:
        raise RuntimeError(f"Client error '401' for url '{url}'")
    except RuntimeError:
        logging.getLogger("telegram.ext").exception("polling failed")
    logging.getLogger("bot.worker").warning(RuntimeError(f"send failed: {url}"))  # no format
    written = stream.getvalue()
    assert "HTTP Request: POST https://api.telegram.org/bot123456789:" in written
    assert '"HTTP/1.1 200 OK"' in written  # the %d argument kept its meaning
    assert "Traceback" in written and "polling failed" in written
    assert "send failed: https://api.telegram.org/bot123456789:[redacted]/getMe" in written
    assert TELEGRAM_TOKEN.split(":")[1] not in written
    assert all(
        isinstance(f, RedactSecrets) for h in logging.getLogger().handlers for f in h.filters
    )


@pytest.fixture
def uvicorn_loggers() -> Iterator[None]:
    """uvicorn configures its loggers globally; put them back as they were."""
    names = ("uvicorn", "uvicorn.error", "uvicorn.access")
    saved = {
        n: (
            logging.getLogger(n).handlers[:],
            logging.getLogger(n).level,
            logging.getLogger(n).propagate,
        )
        for n in names
    }
    try:
        yield
    finally:
        for name, (handlers, level, propagate) in saved.items():
            logger = logging.getLogger(name)
            logger.handlers, logger.level, logger.propagate = handlers, level, propagate


def test_the_web_servers_access_log_does_not_show_toolkit_links(
    demo_engine: Engine, uvicorn_loggers: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real server, configured as `serve_web` and `run_all` configure it: the access
    log line of a toolkit page request names the route, not the secret link."""
    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)  # uvicorn's access handler writes to stdout
    monkeypatch.setattr(sys, "stderr", err)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_web_app(demo_engine), log_config=uvicorn_log_config(), log_level="info"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 15
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/toolkit/{TOOLKIT_TOKEN}?lang=en").status_code == 404
        assert httpx.get(f"{base}/healthz").status_code == 200
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
    access = out.getvalue()
    assert f'"GET /toolkit/{REDACTED}?lang=en HTTP/1.1" 404' in access
    assert '"GET /healthz HTTP/1.1" 200' in access
    assert TOOLKIT_TOKEN not in access + err.getvalue()
