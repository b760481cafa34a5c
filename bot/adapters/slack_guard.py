"""The door of `POST /slack/events`: what is not a signed, readable Slack request goes no
further than a 4xx.

Bolt checks signatures too, but it reads the timestamp header with `int()` and parses the
body before anything else, so a non-numeric timestamp, a body that is not UTF-8 or a
`payload=` that is not JSON would reach it as an exception: a 500 and a traceback in the
log for something a stranger typed. Here each is refused plainly: 401 for what Slack did
not sign (or signed more than five minutes ago), 413 for a body no Slack request comes near,
400 for a signed body that is not a request we can read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.signature import SignatureVerifier
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

MAX_BODY = 1 << 20
MAX_AGE = 5 * 60
FORM = "application/x-www-form-urlencoded"


async def guarded(
    request: Request, secret: str | None, handle: Callable[[Request], Awaitable[Response]]
) -> Response:
    body = await request.body()  # Starlette keeps it: Bolt reads the same bytes after us
    if len(body) > MAX_BODY:
        return PlainTextResponse("too large", status_code=413)
    try:
        text = body.decode("utf-8")  # Slack sends nothing else (and the verifier decodes too)
    except UnicodeDecodeError:
        return PlainTextResponse("not UTF-8", status_code=400)
    if secret is not None and not _signed(request, text, secret):
        return PlainTextResponse("invalid request", status_code=401)
    if not _readable(text, request.headers.get("content-type", "")):
        return PlainTextResponse("not a Slack request", status_code=400)
    return await handle(request)


def _signed(request: Request, body: str, secret: str) -> bool:
    timestamp = request.headers.get("x-slack-request-timestamp", "")
    signature = request.headers.get("x-slack-signature", "")
    if not (timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(time.time() - int(timestamp)) > MAX_AGE:
        return False
    return SignatureVerifier(secret).is_valid(body=body, timestamp=timestamp, signature=signature)


def _readable(text: str, content_type: str) -> bool:
    try:
        if content_type.split(";")[0].strip().lower() == FORM:
            fields = parse_qs(text, keep_blank_values=True)
            payload = fields.get("payload")
            return payload is None or _interaction(json.loads(payload[0]))
        return isinstance(json.loads(text), dict)
    except (ValueError, RecursionError):
        return False


def _interaction(payload: Any) -> bool:
    """An interaction payload: an object; a button press names at least one action."""
    if not isinstance(payload, dict):
        return False
    if payload.get("type") == "block_actions":
        actions = payload.get("actions")
        return isinstance(actions, list) and bool(actions) and isinstance(actions[0], dict)
    return True
