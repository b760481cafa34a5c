"""Logging that keeps secrets out: every handler we configure redacts them on the way out.

Some secrets travel inside URLs, and libraries log URLs: uvicorn's access log prints every
request line, so a partner's personal toolkit link (`/toolkit/<token>`) and a signed chart
address would end up in the log of anyone who can read it; httpx logs each request at INFO
(`HTTP Request: POST https://api.telegram.org/bot<id>:<token>/getUpdates`), which under
`alliancebot --debug` would print the Telegram bot token. The contract says no secret is
ever printed or logged, so the redaction sits on the handlers themselves (a filter on a
handler sees every record it writes, also those propagated from other loggers), not on
the code that happens to log.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any, TextIO

REDACTED = "[redacted]"

# (pattern, replacement): what is kept is only what helps reading the log (the route, the
# bot's public numeric id, the user name of a URL), never the secret part.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"/toolkit/[^/\s\"'?#]+"), f"/toolkit/{REDACTED}"),
    (re.compile(r"/mail/[^/\s\"'?#]+"), f"/mail/{REDACTED}"),  # e-mail action links
    (re.compile(r"(/slack/charts/\d+)-[A-Za-z0-9_\-]+"), rf"\1-{REDACTED}"),
    # a Telegram bot token, in a Bot API URL (`/bot123:ABC…/getMe`) or on its own
    (re.compile(r"\b(bot)?(\d{3,}):[A-Za-z0-9_\-]{20,}"), rf"\1\2:{REDACTED}"),
    (re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9\-]+"), REDACTED),  # Slack tokens
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^/\s:@]+):[^@\s/]+@"), rf"\1:{REDACTED}@"),
)


def redact(text: str) -> str:
    """`text` with every secret we know the shape of replaced by `[redacted]`."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _redact_arg(value: Any) -> Any:
    """An argument of a log record, redacted; left as it was (an int for `%d`, an object)
    unless its text holds a secret, when it becomes the redacted text."""
    if isinstance(value, int | float) or value is None:
        return value
    text = str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactSecrets(logging.Filter):
    """Redacts a record in place: its message, its arguments, a traceback and a stack.

    Arguments are redacted one by one rather than merged into the message, because some
    formatters read them (uvicorn's access formatter takes the client, method and path
    from `args`). A traceback is formatted here, redacted, and kept as the record's
    `exc_text`, which formatters then print instead of formatting it again."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.msg) if isinstance(record.msg, str) else _redact_arg(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_arg(arg) for key, arg in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def guard(handler: logging.Handler) -> logging.Handler:
    """Add the redacting filter to `handler` (once)."""
    if not any(isinstance(f, RedactSecrets) for f in handler.filters):
        handler.addFilter(RedactSecrets())
    return handler


def configure_logging(debug: bool = False, stream: TextIO | None = None) -> None:
    """The command line's logging: warnings (with `--debug`: everything) to stderr, with
    secrets redacted by every handler the root logger has."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=stream or sys.stderr,
    )
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if debug else logging.WARNING)
    for handler in root.handlers:
        guard(handler)


def with_redaction(config: dict[str, Any]) -> dict[str, Any]:
    """A copy of a `logging.config.dictConfig` configuration (uvicorn's, say) with the
    redacting filter on each of its handlers."""
    handlers = config.get("handlers", {})
    return {
        **config,
        "filters": {**config.get("filters", {}), "redact_secrets": {"()": RedactSecrets}},
        "handlers": {
            name: {**handler, "filters": [*handler.get("filters", []), "redact_secrets"]}
            for name, handler in handlers.items()
        },
    }
