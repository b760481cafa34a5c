"""What the platforms send in the inbound benchmark, as they send it.

Telegram: Update JSON (`tests.fakes.telegram_updates`) with the webhook's secret header.
Slack: form-encoded, signed requests — a slash command, or a `block_actions` payload — each
with its own trigger id and its own response_url on the fake (numbered over the whole run).
A burst delivers some of them twice (`with_redeliveries`): Telegram when it got no 200 in
time, Slack's replays; the same bytes again.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from bench.inbound_client import Request
from tests.fakes.slack_api import FakeSlackApi

TELEGRAM_SECRET = "bench-webhook-secret"
SLACK_TOKEN = "xoxb-bench"
SLACK_SECRET = "bench-slack-signing-secret-0123456789"

_responses = itertools.count(1)  # response_url numbers, unique over the whole run


def with_redeliveries(items: list[Any], again: int, seed: int = 7) -> list[Any]:
    """The items plus `again` of them a second time, shuffled (as test_telegram_load)."""
    rng = random.Random(seed)
    batch = [*items, *rng.sample(items, again)]
    rng.shuffle(batch)
    return batch


def telegram_request(update: dict[str, Any]) -> Request:
    headers = {
        "X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET,
        "Content-Type": "application/json",
    }
    return json.dumps(update).encode(), headers


def slack_request(fields: dict[str, str]) -> Request:
    body = urlencode(fields)
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SLACK_SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    headers = {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return body.encode(), headers


def slash(api: FakeSlackApi, user: str, text: str) -> tuple[str, Request]:
    """A signed `/alliance` command; its response_url's number (also in its trigger id)."""
    n = next(_responses)
    fields = {
        "team_id": "T1",
        "channel_id": "C1",
        "user_id": user,
        "command": "/alliance",
        "text": text,
        "api_app_id": "A1",
        "response_url": api.response_url(n),
        "trigger_id": f"{n}.1.bench",
    }
    return str(n), slack_request(fields)


def block_action(api: FakeSlackApi, user: str, value: str) -> tuple[str, Request]:
    """A signed press of a button whose value is `value`; its response_url's number."""
    n = next(_responses)
    payload = {
        "type": "block_actions",
        "user": {"id": user},
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "trigger_id": f"{n}.2.bench",
        "response_url": api.response_url(n),
        "actions": [{"action_id": value, "value": value, "type": "button"}],
    }
    return str(n), slack_request({"payload": json.dumps(payload)})
