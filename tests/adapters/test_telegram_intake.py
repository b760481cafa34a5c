"""The intake through the Telegram webhook (the acceptance test): an adviser answers one
question at a time, skips some, chooses per answer what the coalition sees; the profile is
stored and `alliancebot partners profile KEY --json` shows it."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import Engine
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.kernel.models import Identity, Person
from bot.db import session_scope
from tests.adapters.test_telegram import api, client, post, sent_to
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import button, message

__all__ = ["api", "client"]
BRAM = 4343  # an adviser of Gemeente Tiel, linked to Telegram for this test


def _keyboard(api: FakeBotApi, chat: int) -> list[str]:
    """The callback data of the buttons under the last message with buttons."""
    markup = [m.reply_markup for m in api.messages_to(str(chat)) if m.reply_markup][-1]
    return [b["callback_data"] for row in json.loads(markup)["inline_keyboard"] for b in row]


async def test_an_intake_through_telegram_stores_a_profile(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    with session_scope(demo_engine) as session:
        bram = session.exec(select(Person).where(Person.key == "bram")).one()
        session.add(Identity(person_id=bram.id or 0, platform="telegram", external_id=str(BRAM)))
    await post(client, message(BRAM, "/intake"))
    assert "1/8" in sent_to(api, BRAM)[-1]
    await post(client, message(BRAM, "Tijd van vrijwilligers"))
    share, _private = _keyboard(api, BRAM)
    await post(client, button(BRAM, share))  # needs: shared
    assert "2/8" in sent_to(api, BRAM)[-1]
    await post(client, message(BRAM, "Kennis van de wijken"))
    await post(client, button(BRAM, _keyboard(api, BRAM)[1]))  # brings: not shared
    await post(client, message(BRAM, "Dat iedere oudere passend woont"))
    await post(client, button(BRAM, _keyboard(api, BRAM)[0]))  # own goal: shared
    for _step in range(4, 8):  # interests, constituency, no-go, proud: skipped
        skip = _keyboard(api, BRAM)[0]
        assert skip.startswith("iks:")
        await post(client, button(BRAM, skip))
    assert "8/8" in sent_to(api, BRAM)[-1]
    await post(client, message(BRAM, "Mijn eigen buurt"))
    assert "Versie 1 van het profiel van Gemeente Tiel" in sent_to(api, BRAM)[-1]

    result = CliRunner().invoke(
        app,
        ["partners", "profile", "gemeente-tiel", "--json"],
        env={"DATABASE_URL": str(demo_engine.url)},
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {
        "partner": "gemeente-tiel",
        "version": 1,
        "needs": "Tijd van vrijwilligers",
        "brings": "Kennis van de wijken",
        "own_goal": "Dat iedere oudere passend woont",
        "interests": "",
        "constituency_needs": "",
        "no_go": "",
        "proud_of": "",
        "shared": ["needs", "own_goal"],
    }
    assert "Mijn eigen buurt" not in result.stdout  # the individual interest is not the partner's
