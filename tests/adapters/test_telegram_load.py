"""Telegram as a pulse round's first minutes load it: many updates in flight, redeliveries,
a database that stops answering halfway — every update stored and handled exactly once."""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, col, func, select

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.web import create_web_app
from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Signal
from bot.core.inbox.models import Inbound, InboundStatus
from bot.core.kernel.models import Identity, Person, Region
from bot.core.pulse.models import PulseAnswer, PulseQuestion
from bot.core.pulse.rounds import open_round
from bot.db import make_engine, session_scope
from bot.settings import Settings
from tests.fakes.telegram_api import TOKEN, FakeBotApi, Rules
from tests.fakes.telegram_updates import button, message

SECRET = "s3cret-webhook-token"
FIRST_ID = 810_000_000
IN_FLIGHT = 40  # Telegram's max_connections


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(Rules(per_second=10_000, per_chat_interval=0.0)) as fake:
        assert isinstance(fake, FakeBotApi)
        yield fake


def settings_for(api: FakeBotApi, **extra: Any) -> Settings:
    return Settings(
        telegram_bot_token=TOKEN,
        telegram_api_url=api.base_url,
        telegram_webhook_secret=SECRET,
        telegram_seconds_per_chat=0.0,  # the fake's per-chat limit is off here
        telegram_webhook_url="https://bot.example.org/telegram/webhook",
        telegram_messages_per_second=10_000,  # replies: the fake answers at once
        **extra,
    )


def ambassadors(engine: Engine, count: int) -> list[int]:
    """`count` ambassadors with a Telegram account each; their Telegram ids."""
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        region = session.exec(select(Region)).first()
        assert region is not None
        for n in range(count):
            person = Person(
                alliance_id=alliance.id or 0,
                key=f"load{n}",
                name=f"Ambassadeur {n}",
                roles="ambassador",
                region_id=region.id,
            )
            session.add(person)
            session.flush()
            telegram = str(FIRST_ID + n)
            session.add(
                Identity(person_id=person.id or 0, platform="telegram", external_id=telegram)
            )
    return [FIRST_ID + n for n in range(count)]


@pytest.fixture
async def adapter(demo_engine: Engine, api: FakeBotApi) -> AsyncIterator[TelegramAdapter]:
    telegram = TelegramAdapter(demo_engine, settings_for(api), webhook=True)
    await telegram.start()
    yield telegram
    await telegram.stop()


async def deliver_all(
    adapter: TelegramAdapter, updates: Sequence[dict[str, Any]], redelivered: int
) -> list[int]:
    """Post like Telegram: at most 40 at once, again after anything but a 200, and a share
    delivered twice. The statuses of the first tries."""
    app = create_web_app(adapter.engine, adapter.routes())
    rng = random.Random(7)
    batch = [*updates, *rng.sample(list(updates), redelivered)]
    rng.shuffle(batch)
    slots = asyncio.Semaphore(IN_FLIGHT)
    first: list[int] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

        async def one(update: dict[str, Any]) -> None:
            body = json.dumps(update).encode()
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            for attempt in range(60):
                async with slots:
                    response = await http.post("/telegram/webhook", content=body, headers=headers)
                if attempt == 0:
                    first.append(response.status_code)
                if response.status_code == 200:
                    return
                await asyncio.sleep(0.5)  # Telegram waits before it tries again
            raise AssertionError("never accepted")

        await asyncio.gather(*(one(u) for u in batch))
    await adapter.inbound.settled()
    return first


async def wait_until_handled(engine: Engine, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        with Session(engine) as session:
            waiting = session.exec(
                select(func.count())
                .select_from(Inbound)
                .where(Inbound.status == InboundStatus.PENDING)
            ).one()
        if not waiting:
            return
        assert time.monotonic() < deadline, f"{waiting} updates never handled"
        await asyncio.sleep(0.2)


async def test_a_burst_of_pulse_taps_is_stored_once_each(
    adapter: TelegramAdapter, demo_engine: Engine
) -> None:
    people = ambassadors(demo_engine, 220)
    with session_scope(demo_engine) as session:
        pulse = open_round(session, get_alliance(session)).round
        energy = session.exec(
            select(PulseQuestion).where(
                PulseQuestion.round_id == pulse.id, PulseQuestion.key == "energy"
            )
        ).one()
        question = energy.id
    taps = [button(user, f"pa:{question}:{1 + user % 5}") for user in people]
    statuses = await deliver_all(adapter, taps, redelivered=IN_FLIGHT)
    assert set(statuses) == {200}
    with Session(demo_engine) as session:
        answers = session.exec(select(PulseAnswer).where(PulseAnswer.question_id == question)).all()
        handled = session.exec(select(func.count()).select_from(Inbound)).one()
    assert len(answers) == len(people) == len({a.person_id for a in answers})
    assert handled == len(people)  # one row per update: the redeliveries found theirs


async def test_concurrent_signals_with_redeliveries_are_stored_exactly_once(
    adapter: TelegramAdapter, demo_engine: Engine, api: FakeBotApi
) -> None:
    people = ambassadors(demo_engine, 100)
    updates = [message(user, f"/signaal Signaal nummer {user}") for user in people]
    await deliver_all(adapter, updates, redelivered=30)
    with Session(demo_engine) as session:
        texts = session.exec(select(Signal.text).where(col(Signal.text).contains("nummer"))).all()
    assert sorted(texts) == sorted(f"Signaal nummer {user}" for user in people)
    answered = [
        m for m in api.calls if m[0] == "sendMessage" and m[1]["chat_id"] in map(str, people)
    ]
    assert len(answered) == len(people), "each sender answered once"


async def test_one_session_per_update_fits_a_small_pool(
    demo_engine: Engine, api: FakeBotApi
) -> None:
    """With one slot to store and one to handle, two connections are all it takes."""
    url = demo_engine.url.render_as_string(hide_password=False)
    small = make_engine(url, pool_size=2, max_overflow=0, pool_timeout=3)
    settings = settings_for(api, inbound_concurrency=1, inbound_receivers=1)
    telegram = TelegramAdapter(small, settings, webhook=True)
    await telegram.start()
    try:
        people = ambassadors(small, 30)
        await deliver_all(telegram, [message(u, f"/signaal klein {u}") for u in people], 5)
        with Session(small) as session:
            stored = session.exec(select(func.count()).select_from(Signal)).one()
        assert stored >= 30
    finally:
        await telegram.stop()
        small.dispose()


def _unavailable(engine: Engine, seconds: float, started: threading.Event) -> None:
    """Make the database refuse work for a while: SQLite locked by another connection,
    PostgreSQL's connections killed (again and again)."""
    deadline = time.monotonic() + seconds
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            raw.execute("BEGIN EXCLUSIVE")  # type: ignore[attr-defined]
            started.set()
            time.sleep(seconds)
            raw.execute("ROLLBACK")  # type: ignore[attr-defined]
        finally:
            raw.close()
        return
    started.set()
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        time.sleep(0.3)


async def test_a_database_that_fails_mid_burst_loses_nothing_acknowledged(
    adapter: TelegramAdapter, demo_engine: Engine
) -> None:
    """Updates that could not be stored got 503 and came again; those stored but not
    handled were tried again from the inbox; and the service recovers by itself."""
    people = ambassadors(demo_engine, 60)
    updates = [message(user, f"/signaal Storing {user}") for user in people]
    outage = threading.Event()
    breaker = threading.Thread(target=_unavailable, args=(demo_engine, 6.5, outage))

    async def break_halfway() -> None:
        await asyncio.sleep(0.05)
        breaker.start()

    statuses, _ = await asyncio.gather(deliver_all(adapter, updates, 15), break_halfway())
    breaker.join()
    assert outage.is_set()
    await wait_until_handled(demo_engine)
    with Session(demo_engine) as session:
        texts = session.exec(select(Signal.text).where(col(Signal.text).contains("Storing"))).all()
    assert sorted(texts) == sorted(f"Storing {user}" for user in people)
    assert statuses.count(200) < len(statuses) or demo_engine.dialect.name != "sqlite"
    app = create_web_app(demo_engine, adapter.routes())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as h:
        assert (await h.get("/healthz")).status_code == 200
