"""Slack input that is not a readable, signed request: a 4xx and no error in the log; and a
burst of commands: every one acknowledged and answered once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections import Counter
from urllib.parse import urlencode

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.inbox.models import Inbound
from tests.adapters.test_slack import ANNA, SECRET, api, client, interaction, post, signed, slash
from tests.fakes.slack_api import FakeSlackApi

__all__ = ["api", "client"]  # the fixtures, shared with the conversation tests


def _signed_bytes(body: bytes) -> dict[str, str]:
    """Signed the way Slack signs (the SDK's helper only signs text)."""
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    signature = "v0=" + hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def _with_timestamp(body: str, timestamp: str) -> dict[str, str]:
    return {**signed(body), "X-Slack-Request-Timestamp": timestamp}


BAD_REQUESTS = {
    "timestamp not a number": (401, "command=%2Falliance&text=x", "soon"),
    "timestamp far too big": (401, "command=%2Falliance&text=x", "9" * 40),
    "timestamp in the future": (401, "command=%2Falliance&text=x", str(int(time.time()) + 3600)),
    "payload not JSON": (400, urlencode({"payload": "{not json"}), None),
    "payload not an object": (400, urlencode({"payload": "[1, 2]"}), None),
    "a press without actions": (
        400,
        interaction({"type": "block_actions", "user": {"id": ANNA}, "actions": []}),
        None,
    ),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
async def test_bad_requests_get_a_4xx_and_log_no_error(
    client: httpx.AsyncClient,
    api: FakeSlackApi,
    demo_engine: Engine,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    status, body, timestamp = BAD_REQUESTS[case]
    headers = _with_timestamp(body, timestamp) if timestamp else signed(body)
    with caplog.at_level(logging.WARNING):
        assert (await post(client, body, headers)).status_code == status
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    with Session(demo_engine) as session:
        assert session.exec(select(Inbound)).first() is None
    assert api.responses == [] and api.views == []


async def test_a_body_that_is_not_utf8_gets_a_400(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    body = b"command=%2Falliance&text=\xff\xfe"
    with caplog.at_level(logging.WARNING):
        response = await client.post("/slack/events", content=body, headers=_signed_bytes(body))
    assert response.status_code == 400
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_a_huge_body_gets_a_413(client: httpx.AsyncClient) -> None:
    body = "command=%2Falliance&text=" + "x" * (1 << 20)
    assert (await post(client, body, signed(body))).status_code == 413


async def test_a_burst_of_commands_is_acknowledged_and_each_answered_once(
    client: httpx.AsyncClient, api: FakeSlackApi, demo_engine: Engine
) -> None:
    count = 200
    bodies = [
        slash(api, ANNA, "kernboodschap").replace("respond%2F1", f"respond%2F{n}")
        for n in range(count)
    ]

    async def one(body: str) -> int:
        return (await post(client, body, signed(body))).status_code

    statuses = await asyncio.gather(*(one(b) for b in bodies))
    assert set(statuses) == {200}
    deadline = time.monotonic() + 60
    while len(api.responses) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.3)  # anything extra would have arrived by now
    answered = Counter(method for method, _ in api.calls if method.startswith("/respond/"))
    assert len(answered) == count and set(answered.values()) == {1}
    assert all("Kernboodschap" in json.dumps(r, ensure_ascii=False) for r in api.responses)
