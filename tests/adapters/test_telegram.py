"""Telegram: real Update JSON through /telegram/webhook, a fake Bot API answering (port 0)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.web import create_web_app
from bot.core.alliance.invites import create_invite
from bot.core.alliance.load import get_alliance
from bot.core.alliance.models import Invite
from bot.core.attention.models import Signal
from bot.core.house.content import HouseContent, PillarContent, adopt_version
from bot.core.kernel.models import Identity, Person, utcnow
from bot.core.kernel.people import person_by_key
from bot.db import session_scope
from bot.settings import Settings
from tests.fakes.settling import SettlingTransport
from tests.fakes.telegram_api import TOKEN, FakeBotApi, Rules
from tests.fakes.telegram_updates import button, message

SECRET = "s3cret-webhook-token"
GERDA = 700100001  # an ambassador with a telegram id in the demo alliance file
OTTO = 700100009  # an ambassador who reads English
STRANGER = 123123123


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    # replies in a conversation come fast; the per-chat limit is the worker's test, not this one
    with FakeBotApi(Rules(per_chat_interval=0.0)) as fake:
        assert isinstance(fake, FakeBotApi)
        yield fake


def _settings(api: FakeBotApi, webhook: bool = True) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_url=api.base_url,
        telegram_webhook_secret=SECRET,
        telegram_seconds_per_chat=0.0,  # the fake's per-chat limit is off here
        telegram_webhook_url="https://bot.example.org/telegram/webhook" if webhook else None,
    )


@pytest.fixture
async def client(demo_engine: Engine, api: FakeBotApi) -> AsyncIterator[httpx.AsyncClient]:
    adapter = TelegramAdapter(demo_engine, _settings(api), webhook=True)
    await adapter.start()
    app = create_web_app(demo_engine, adapter.routes())
    transport = SettlingTransport(app, adapter.inbound)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
    await adapter.stop()


async def post(
    client: httpx.AsyncClient, update: Any, secret: str | None = SECRET
) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    return await client.post("/telegram/webhook", content=body, headers=headers)


def sent_to(api: FakeBotApi, chat: int) -> list[str]:
    return [m.text for m in api.messages_to(str(chat))]


async def test_the_secret_is_checked_and_junk_refused(
    client: httpx.AsyncClient, api: FakeBotApi
) -> None:
    assert (await post(client, message(GERDA, "/house"), secret=None)).status_code == 403
    assert (await post(client, message(GERDA, "/house"), secret="wrong")).status_code == 403
    assert (await post(client, b"not json at all")).status_code == 400
    assert (await post(client, b'{"hello": 1}')).status_code == 400
    assert (await post(client, b"[1, 2]")).status_code == 400
    assert api.sent == [], "nothing was processed"


async def test_start_sets_the_command_menu_in_both_languages(
    client: httpx.AsyncClient, api: FakeBotApi
) -> None:
    menus = [params for method, params in api.calls if method == "setMyCommands"]
    assert len(menus) == 2
    assert any("kernboodschap" in str(m["commands"]) for m in menus)
    assert any('"house"' in str(m["commands"]) for m in menus)
    assert [m for m, p in api.calls if m == "setWebhook"] == ["setWebhook"]
    webhook = next(p for m, p in api.calls if m == "setWebhook")
    assert webhook["secret_token"] == SECRET


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        (GERDA, "/kernboodschap", "Kernboodschap van Alliantie"),
        (GERDA, "/house", "Kernboodschap van Alliantie"),
        (GERDA, "/hulp", "Wat ik voor je kan doen"),
        (OTTO, "/help", "What I can do for you"),
        (OTTO, "/peiling", "no pulse poll open"),
        (GERDA, "/afspraken", "Open afspraken van je organisatie"),
        (GERDA, "/taal", "Ik spreek Nederlands"),
        (OTTO, "/mute 3", "I will keep quiet until"),
        (GERDA, "/stil abc", "bijvoorbeeld /stil 7"),
        (GERDA, "/voorstel", "Alleen adviseurs kunnen /voorstel gebruiken"),
        (GERDA, "/onbekend", 'De opdracht "onbekend" ken ik niet'),
        (GERDA, "gewoon een zin", "Ik begrijp alleen opdrachten"),
    ],
)
async def test_commands_in_both_languages(
    client: httpx.AsyncClient, api: FakeBotApi, user: int, text: str, expected: str
) -> None:
    response = await post(client, message(user, text))
    assert response.status_code == 200
    assert any(expected in t for t in sent_to(api, user)), sent_to(api, user)


async def test_a_stranger_is_told_to_ask_for_an_invite(
    client: httpx.AsyncClient, api: FakeBotApi
) -> None:
    await post(client, message(STRANGER, "/house"))
    assert "invite link" in " ".join(sent_to(api, STRANGER)) or "uitnodig" in " ".join(
        sent_to(api, STRANGER)
    )


async def test_invite_links_once_and_refuses_reuse_expiry_and_junk(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    with session_scope(demo_engine) as session:
        ingrid = person_by_key(session, get_alliance(session).id or 0, "ingrid")
        assert ingrid is not None
        code = create_invite(session, ingrid)
        old = create_invite(session, ingrid)
        session.exec(select(Invite)).all()[-1].expires_at = utcnow() - timedelta(seconds=1)
    await post(client, message(555, f"/start {code}"))
    assert "Welkom, Ingrid Smit" in sent_to(api, 555)[0]
    await post(client, message(556, f"/start {code}"))
    assert "al gebruikt" in sent_to(api, 556)[0]
    await post(client, message(557, f"/start {old}"))
    assert "verlopen" in sent_to(api, 557)[0]
    await post(client, message(558, "/start AAAAAAAAAAAAAAAAAAAA"))
    assert "herken" in sent_to(api, 558)[0]
    await post(client, message(559, "/start"))
    assert "uitnodigingslink" in sent_to(api, 559)[0]
    with Session(demo_engine) as session:
        linked = session.exec(select(Identity).where(Identity.platform == "telegram")).all()
        assert [i.external_id for i in linked if i.external_id.startswith("55")] == ["555"]
        invites = session.exec(select(Invite)).all()
        assert all(code not in i.code_hash for i in invites), "only hashes are stored"
    await post(client, message(555, "/house"))
    assert any("Kernboodschap" in t for t in sent_to(api, 555))


async def test_a_signal_goes_to_the_advisers_and_the_sender_hears_back(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    await post(client, message(GERDA, "/signaal"))
    await post(
        client,
        message(GERDA, "In Geldermalsen staat het wijkzorgpunt leeg <op vrijdag> & zaterdag"),
    )
    assert any("Dank je" in t for t in sent_to(api, GERDA))
    with Session(demo_engine) as session:
        signal = session.exec(select(Signal)).one()
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        assert signal.text.startswith("In Geldermalsen") and not signal.anonymous
        assert signal.region_id == gerda.region_id
        assert gerda.awaiting is None
    await post(client, message(OTTO, "/signal anonymous The council doubts"))
    with Session(demo_engine) as session:
        assert (
            session.exec(select(Signal).where(col(Signal.anonymous))).one().text
            == "The council doubts"
        )


async def test_a_stale_or_forged_button_is_answered_politely(
    client: httpx.AsyncClient, api: FakeBotApi
) -> None:
    for data in ("he:99999", "zz:1", "x" * 80, "he::"):
        response = await post(client, button(GERDA, data))
        assert response.status_code == 200
    answers = [p for m, p in api.calls if m == "answerCallbackQuery"]
    assert len(answers) == 4
    assert all(a.get("show_alert") in (True, "true", "True") for a in answers)
    assert all("niet meer open" in str(a.get("text", "")) for a in answers)
    assert not [m for m, _ in api.calls if m == "editMessageText"]


async def test_a_button_press_is_answered_and_the_message_shows_the_choice(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    # an adviser with a Telegram account endorses through a button
    with session_scope(demo_engine) as session:
        bram = session.exec(select(Person).where(Person.key == "bram")).one()
        session.add(Identity(person_id=bram.id or 0, platform="telegram", external_id="4242"))
    await post(client, message(4242, "/voorstel reden: test // dak: Een nieuw dak"))
    keyboard = next(m.reply_markup for m in api.messages_to("4242") if m.reply_markup)
    endorse = json.loads(keyboard)["inline_keyboard"][0][0]["callback_data"]
    await post(client, button(4242, endorse, text="Voorstel", label="Onderschrijven"))
    assert [m for m, _ in api.calls if m == "answerCallbackQuery"]
    edit = next(p for m, p in api.calls if m == "editMessageText")
    assert "✓ Onderschrijven" in str(edit["text"])
    assert any("Gemeente Tiel onderschrijft" in t for t in sent_to(api, 4242))


async def test_html_is_escaped_and_long_replies_are_split(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    long_proof = tuple(f"Bewijs {i}: " + "woningen & zorg <samen> " * 12 for i in range(5))
    pillars = tuple(
        PillarContent(f"Pijler {i} <b>&</b>", "Boodschap " * 40, long_proof) for i in range(5)
    )
    with session_scope(demo_engine) as session:
        adopt_version(
            session,
            get_alliance(session).id or 0,
            HouseContent("Dak & <huis>", pillars),
            source="alliance_file",
        )
    await post(client, message(GERDA, "/kernboodschap"))
    texts = sent_to(api, GERDA)
    assert len(texts) >= 2, "a reply over 4,096 characters is split"
    assert all(len(t) <= 4096 for t in texts)
    joined = "".join(texts)
    assert "Dak &amp; &lt;huis&gt;" in joined
    assert "Pijler 0 &lt;b&gt;&amp;&lt;/b&gt;" in joined
    assert "<huis>" not in joined


async def test_in_a_group_only_addressed_public_commands_are_answered(
    client: httpx.AsyncClient, api: FakeBotApi
) -> None:
    group = -100500
    await post(client, message(GERDA, "/house", chat=group, kind="supergroup"))
    await post(client, message(GERDA, "hallo allemaal", chat=group, kind="supergroup"))
    assert sent_to(api, group) == []
    await post(client, message(GERDA, "/house@alliance_test_bot", chat=group, kind="supergroup"))
    await post(
        client, message(GERDA, "/afspraken@alliance_test_bot", chat=group, kind="supergroup")
    )
    texts = sent_to(api, group)
    assert len(texts) == 2
    assert "Kernboodschap" in texts[0]
    assert "privé" in texts[1] or "private" in texts[1]


async def test_polling_mode_handles_an_update_from_get_updates(
    demo_engine: Engine, api: FakeBotApi
) -> None:
    api.updates.append(message(GERDA, "/hulp"))
    adapter = TelegramAdapter(demo_engine, _settings(api, webhook=False), webhook=False)
    await adapter.start()
    try:
        for _ in range(100):
            if sent_to(api, GERDA):
                break
            await asyncio.sleep(0.05)
    finally:
        await adapter.stop()
    assert any("Wat ik voor je kan doen" in t for t in sent_to(api, GERDA))
    assert not [m for m, _ in api.calls if m == "setWebhook"]


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_every_command_answers_in_the_persons_language(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine, language: str
) -> None:
    from bot.core.dispatch import COMMANDS

    with session_scope(demo_engine) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        gerda.language = language
    for spec in COMMANDS:
        before = len(sent_to(api, GERDA))
        response = await post(client, message(GERDA, f"/{spec.name_in(language)}"))
        assert response.status_code == 200
        replies = sent_to(api, GERDA)[before:]
        assert replies, f"/{spec.name_in(language)} got no answer"
        text = " ".join(replies)
        assert "Sorry" not in text, text
        words = set(re.findall(r"[a-z]+", text.lower()))
        common = {
            "nl": {"je", "de", "het", "een", "van", "is", "ik"},
            "en": {"you", "the", "a", "of", "is", "i"},
        }
        assert words & common[language], (spec.key, text)


async def test_partner_names_are_escaped(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    from bot.core.kernel.models import Partner

    with session_scope(demo_engine) as session:
        partner = session.exec(select(Partner).where(Partner.key == "welzijn")).one()
        partner.name = "Welzijn & <Betuwe>"
        bram = session.exec(select(Person).where(Person.key == "bram")).one()
        session.add(Identity(person_id=bram.id or 0, platform="telegram", external_id="4243"))
    await post(client, message(4243, "/voorstel reden: test // dak: Een nieuw dak"))
    joined = "".join(sent_to(api, 4243))
    assert "Welzijn &amp; &lt;Betuwe&gt;" in joined
    assert "<Betuwe>" not in joined
