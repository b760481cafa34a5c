"""Telegram input that is not what it should be: a 4xx and nothing in the error log; a
button that is not yours: a private answer and the message left as it was."""

from __future__ import annotations

import json
import logging
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.invites import create_invite
from bot.core.alliance.load import get_alliance
from bot.core.alliance.models import Invite
from bot.core.followup.models import Agreement
from bot.core.inbox.models import Inbound
from bot.core.kernel.models import Partner
from bot.core.kernel.people import person_by_key
from bot.db import session_scope
from tests.adapters.test_telegram import GERDA, STRANGER, api, client, post, sent_to
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import button, message

__all__ = ["api", "client"]  # the fixtures, shared with the conversation tests


def _calls(api: FakeBotApi, method: str) -> list[dict[str, object]]:
    return [params for name, params in api.calls if name == method]


def _nested(depth: int) -> bytes:
    return (
        json.dumps({"update_id": 5}).encode()[:-1] + b', "x": ' + b"[" * depth + b"]" * depth + b"}"
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (_nested(100_000), 400),  # deeper than the parser goes
        (b'{"update_id": 6, "x": "' + b"a" * (1 << 20) + b'"}', 413),
        (b'{"update_id": true, "message": {}}', 400),
        (
            b'{"update_id": 7, "callback_query": {"id": "1", "chat_instance": "c", "data": "x"}}',
            400,
        ),
        (b'{"update_id": 8, "message": {"message_id": 1, "date": 1, "text": "hoi"}}', 400),
        (b'{"update_id": 9, "callback_query": {"id": "1", "from": {"id": "x"}}}', 400),
        (b"\xff\xfe not utf-8", 400),
    ],
)
async def test_bad_updates_get_a_4xx_and_log_no_error(
    client: httpx.AsyncClient,
    api: FakeBotApi,
    demo_engine: Engine,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    status: int,
) -> None:
    with caplog.at_level(logging.WARNING):
        assert (await post(client, body)).status_code == status
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert not any("Traceback" in r.getMessage() for r in caplog.records)
    with Session(demo_engine) as session:
        assert session.exec(select(Inbound)).first() is None, "nothing was stored"
    assert _calls(api, "sendMessage") == []


async def test_an_update_kind_we_did_not_ask_for_is_taken_and_left_alone(
    client: httpx.AsyncClient, api: FakeBotApi
) -> None:
    edited = {"update_id": 10, "edited_message": message(GERDA, "x")["message"]}
    assert (await post(client, edited)).status_code == 200
    assert _calls(api, "sendMessage") == []


async def test_a_redelivered_update_changes_nothing(
    client: httpx.AsyncClient, api: FakeBotApi
) -> None:
    update = message(GERDA, "/signaal Er speelt iets in Tiel")
    assert (await post(client, update)).status_code == 200
    assert (await post(client, update)).status_code == 200
    assert len(sent_to(api, GERDA)) == 1


async def test_a_button_that_is_not_yours_is_refused_privately(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    """Gerda presses a check-in of an agreement she has nothing to do with."""
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        other = session.exec(select(Partner).where(Partner.key == "zorggroep")).one()
        agreement = Agreement(
            alliance_id=alliance.id or 0,
            key="X1",
            text="Iets van een ander",
            owner_partner_id=other.id or 0,
            made_on=date.today() - timedelta(days=3),
            due_on=date.today() + timedelta(days=3),
        )
        session.add(agreement)
        session.flush()
        data = f"ad:{agreement.id}"
    for who in (GERDA, STRANGER):
        before = len(_calls(api, "answerCallbackQuery"))
        assert (await post(client, button(who, data))).status_code == 200
        answers = _calls(api, "answerCallbackQuery")[before:]
        assert len(answers) == 1 and answers[0].get("show_alert") in (True, "true", "True")
        assert answers[0].get("text"), "the refusal says why, privately"
    assert _calls(api, "editMessageText") == [], "the message and its buttons stay as they were"
    assert sent_to(api, GERDA) == [] and sent_to(api, STRANGER) == []
    with Session(demo_engine) as session:
        assert session.exec(select(Agreement)).one().status == "open"


async def test_an_out_of_range_button_id_is_an_out_of_date_button(
    client: httpx.AsyncClient, api: FakeBotApi, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        for data in ("pa:99999999999999999999999:1", "fk:123456789012345678901234567890"):
            assert (await post(client, button(GERDA, data))).status_code == 200
    answers = _calls(api, "answerCallbackQuery")
    assert len(answers) == 2 and all(a.get("show_alert") in (True, "true") for a in answers)
    assert _calls(api, "editMessageText") == []
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_an_invite_code_in_a_group_is_refused_there(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    with session_scope(demo_engine) as session:
        ingrid = person_by_key(session, get_alliance(session).id or 0, "ingrid")
        assert ingrid is not None
        code = create_invite(session, ingrid)
    group = -100600
    await post(client, message(555, f"/start@alliance_test_bot {code}", chat=group, kind="group"))
    said = " ".join(sent_to(api, group))
    assert "privé" in said and "Welkom" not in said
    with Session(demo_engine) as session:
        assert session.exec(select(Invite)).one().used_at is None, "the code still works"
    await post(client, message(555, f"/start {code}"))
    assert "Welkom, Ingrid Smit" in sent_to(api, 555)[0]
