"""A round fans out while the people it reached tap its buttons: one send budget for both.

The database is the inbound benchmark's (the demo alliance, `n` ambassadors with a Telegram
account, a pulse round open), with one due delivery to each ambassador. The workers send
the round while `alliancebot web` (webhook mode) answers taps, both against one fake Bot API
(50 ms round trip, Telegram's flood control) and both taking turns from the budget in the
database. Every 429 the fake gives, to the workers or the web process, counts.

A tap comes from someone the round reached at least `READ_TIME` before, as a person reads
first, at `BENCH_FANOUT_TAPS_PER_SECOND` (default 10) for `BENCH_FANOUT_TAPS` taps (300).
Each answered tap costs two counted messages (the pressed message edited, a reply below
it), so 300 taps at once could not all be answered within a second by anyone: at 30 a
second they take 20 s of the bot's whole budget. Ten a second takes two thirds of it and
leaves the round the rest; the round slows while the taps last, and the table says so.
"""

from __future__ import annotations

import asyncio
import math
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from bench import inbound_fixture as fixture
from bench import inbound_requests as rq
from bench.bench_inbound import environments
from bench.fanout_case import Case, RecordingBotApi, RoundTrip, Taps, collect
from bench.fanout_workers import drive, outcome
from bench.inbound_bare import TELEGRAM_PATH
from bench.inbound_client import Client, post_all
from bench.inbound_load import TimedBotApi
from bench.servers import Server, free_port, log_summary, start_server, wait_healthy
from bot.core.kernel import Alliance, utcnow
from bot.core.outbox import Delivery
from bot.db import session_scope
from tests.fakes.telegram_updates import button, message

READ_TIME = 2.0  # s between the round's message reaching someone and their tap
START_AFTER = 150  # the round's messages through before the first tap
IN_FLIGHT = 40  # taps posted at once at most (Telegram's max_connections)
REPLIES_TIMEOUT = 60.0  # s after the round to wait for the last reply
FAN_OUT_TEXT = "Hallo"
ROUND_TRIP = RoundTrip(0.050)


class TapsBotApi(TimedBotApi, RecordingBotApi):
    """The fake noting every call (for the taps' replies) and every 429 (for the round)."""


# ------------------------------------------------------------------------- database --
@contextmanager
def demo_database(kind: str, postgres: str) -> Iterator[tuple[Engine, str]]:
    if kind == "SQLite":
        with (
            tempfile.TemporaryDirectory() as directory,
            fixture.sqlite_database(Path(directory)) as db,
        ):
            yield db
    else:
        with fixture.postgres_database(postgres) as db:
            yield db


def seed(engine: Engine, n: int) -> fixture.Population:
    """`n` ambassadors, a round open, one delivery due to each; no quiet hours."""
    people = fixture.populate(engine, n)
    with session_scope(engine) as session:
        alliance = session.exec(select(Alliance)).one()
        alliance.quiet_hours, alliance.weekly_cap = "00:00-00:00", 100_000
        now = utcnow()
        session.add_all(
            Delivery(
                alliance_id=alliance.id,
                dedupe_key=f"bench:{i}",
                kind="pulse",
                person_id=person,
                platform="telegram",
                body=f"<p>{FAN_OUT_TEXT}</p>",
                due_at=now,
            )
            for i, person in enumerate(people.person_ids)
        )
    return people


# ------------------------------------------------------------------------- the taps --
class Tapper:
    """Posts taps from people the round reached, in a thread of its own, and notes when."""

    def __init__(self, server: Server, api: TapsBotApi, people: fixture.Population) -> None:
        self.server, self.api, self.people = server, api, people
        self.count = int(os.environ.get("BENCH_FANOUT_TAPS", 300))
        self.rate = float(os.environ.get("BENCH_FANOUT_TAPS_PER_SECOND", 10))
        self.posted: dict[str, tuple[int, float]] = {}  # callback id: user, perf_counter
        self.webhook: list[float] = []
        self.statuses: dict[str, int] = {}
        self.thread = threading.Thread(target=lambda: asyncio.run(self.tap_all()), daemon=True)

    def reached(self, before: float) -> list[str]:
        """Chats the round's message reached before `before` (monotonic), in order."""
        with self.api.lock:
            sent = [m for m in self.api.sent if m.text.strip() == FAN_OUT_TEXT]
        return [m.chat_id for m in sent if m.at <= before]

    async def tap_all(self) -> None:
        while len(self.reached(time.monotonic())) < START_AFTER:
            await asyncio.sleep(0.05)
        client, slots, tasks = Client(self.server.url), asyncio.Semaphore(IN_FLIGHT), []
        start = time.monotonic()
        for i in range(self.count):
            await asyncio.sleep(max(0.0, start + i / self.rate - time.monotonic()))
            chats = self.reached(time.monotonic() - READ_TIME)
            if i >= len(chats):
                break
            tasks.append(asyncio.create_task(self.tap(client, slots, int(chats[i]), i)))
        await asyncio.gather(*tasks)
        client.close()

    async def tap(self, client: Client, slots: asyncio.Semaphore, user: int, i: int) -> None:
        update = button(user, f"pa:{self.people.energy}:{1 + i % 5}", "Energie?", str(1 + i % 5))
        body, headers = rq.telegram_request(update)
        self.posted[update["callback_query"]["id"]] = (user, time.perf_counter())
        for _attempt in range(10):  # like Telegram: anything but a 200 is posted again
            async with slots:
                began = time.perf_counter()
                status = str(await client.post(TELEGRAM_PATH, body, headers))
                self.webhook.append(time.perf_counter() - began)
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status == "200":
                return
            await asyncio.sleep(1.0)

    def outcome(self) -> Taps:
        """Per tap: when its button was answered and when its last reply went through."""
        first: dict[tuple[str, str], float] = {}  # (method, query or chat): first 200
        messages: dict[str, list[float]] = {}  # chat: every message to it (the round's too)
        for call in self.api.since(0):
            key = str(call.params.get("callback_query_id") or call.params.get("chat_id"))
            if call.status == 200 and (call.method, key) not in first:
                first[(call.method, key)] = call.at
            if call.status == 200 and call.method == "sendMessage":
                messages.setdefault(key, []).append(call.at)
        answered, replied = [], []
        for query, (user, posted) in self.posted.items():
            button_at = first.get(("answerCallbackQuery", query))
            edit = first.get(("editMessageText", str(user)))
            below = [at for at in messages.get(str(user), []) if at > posted]
            if button_at:
                answered.append(button_at - posted)
            if button_at and edit and below:
                replied.append(max(button_at, edit, min(below)) - posted)
        return Taps(
            len(self.posted),
            self.rate,
            self.webhook,
            answered,
            replied,
            len(replied),
            self.statuses,
        )

    def wait_replies(self) -> Taps:
        deadline = time.monotonic() + REPLIES_TIMEOUT
        while (taps := self.outcome()).complete < taps.posted and time.monotonic() < deadline:
            time.sleep(0.2)
        return taps


# ------------------------------------------------------------------------------ run --
def web(url: str, api: TapsBotApi) -> Server:
    ours, _ = environments("telegram", api.base_url)
    server = start_server(
        "alliancebot web",
        ["-m", "bot", "web", "--host", "127.0.0.1"],
        {**ours, "DATABASE_URL": url},
        free_port(),
    )
    if not wait_healthy(server):
        server.stop()
        raise RuntimeError(f"alliancebot web did not start:\n{server.output()[-3000:]}")
    return server


def warm_up(server: Server, people: fixture.Population) -> None:
    """A few `/help`s from the last people (reached last by the round), not counted."""
    requests = [rq.telegram_request(message(u, "/help")) for u in people.telegram[-5:]]
    asyncio.run(post_all(server.url, TELEGRAM_PATH, requests, 5))
    time.sleep(1.5)


def fan_out_with_taps(name: str, kind: str, postgres: str, n: int, workers: int) -> Case:
    with demo_database(kind, postgres) as (engine, url):
        people = seed(engine, n)
        engine.dispose()
        with TapsBotApi(ROUND_TRIP.rules()) as api:
            assert isinstance(api, TapsBotApi)
            server = web(url, api)
            try:
                warm_up(server, people)
                tapper = Tapper(server, api, people)
                tapper.thread.start()
                driven = drive(url, api, n, workers)
                tapper.thread.join(timeout=REPLIES_TIMEOUT)
                taps = tapper.wait_replies()
            finally:
                server.stop()
                log_summary(server, TELEGRAM_PATH)
            case = collect(name, kind, ROUND_TRIP, api, lambda m: m.text.strip() == FAN_OUT_TEXT)
        case.statuses, case.sent_by_worker = outcome(engine, "bench")
    case.n, case.workers, case.warmup_rss_mib = n, driven.runs, math.nan
    case.started, case.load, case.taps = driven.started, driven.load, taps
    return case
