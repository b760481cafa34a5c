"""A pulse round's first minute through the real webhooks: every update stored once, acks quick.

Database: the demo alliance (its history included) plus 220 ambassadors with a Telegram and
a Slack account each, and a pulse round opened; on SQLite, then in a PostgreSQL schema of
its own when `TEST_DATABASE_URL` or a local PostgreSQL answers (`inbound_fixture`).

Telegram, `alliancebot web --host 127.0.0.1` in webhook mode, next to a bare PTB application
answering inside the request, with and without the `AIORateLimiter` ours uses
(`inbound_bare`), each its own uvicorn process:

- 220 pulse taps `pa:<energy question>:<1-5>` as callback_query Update JSON, plus 40 of them
  delivered a second time, shuffled, 40 in flight (Telegram's `max_connections`); a client
  that, like Telegram, posts anything but a 200 again after `RETRY_PAUSE`;
- then 100 `/signaal …` messages from 100 of them, 30 redelivered, 40 in flight.

Slack, `alliancebot web` with SLACK_* set, next to a bare Bolt app that acks and responds:

- 220 signed `block_actions` presses `pa:<trust question>:<1-5>`, each with its own
  trigger id and response_url, plus 40 replayed (the same request again), 40 in flight;
- then 200 signed `/alliance kernboodschap` commands at once, each its own trigger id.

Both fakes (`inbound_load`) answer after a round trip of 50 ± 20 ms, in parallel; the Bot
API keeps Telegram's flood control (30 messages a second, one a second per chat: 429
beyond). Each server gets 10 `/help` first (not counted). Latency is each attempt's request
sent to response received. After a burst we wait until ours' inbox has no pending row and
every reply reached the fake, then ask the database: answers stored against expected
(lost, duplicated) and inbox rows per update.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from bench import inbound_fixture as db
from bench import inbound_requests as rq
from bench.bench_slack import cpu_seconds
from bench.inbound_bare import SLACK_PATH, TELEGRAM_PATH
from bench.inbound_client import Request, post_all
from bench.inbound_load import (
    RESPOND,
    Replies,
    Target,
    TimedBotApi,
    TimedSlackApi,
    by_param,
    replies,
    slack_fake,
    telegram_fake,
)
from bench.inbound_report import Outcome, figures, report, tables
from bench.servers import Server, free_port, listen_overflows, log_summary, start_server
from bench.servers import wait_healthy as healthy
from bench.timing import Figure
from tests.fakes.telegram_api import TOKEN
from tests.fakes.telegram_updates import button, message

PRESSES, REDELIVERED, IN_FLIGHT = 220, 40, 40
SIGNALS, SIGNALS_REDELIVERED = 100, 30
COMMANDS = 200  # all in flight at once
WARMUP = 10  # `/help` per server before the bursts (not counted), from as many people
RETRY_PAUSE = 1.0  # s before a non-200 is posted again (Telegram waits longer)
REPLIES_TIMEOUT = 120.0  # s to wait for ours' last reply of a burst
SIGNAL_MARK = "Inbound-bench signaal"
TELEGRAM, SLACK = "telegram", "slack"
Api = TimedBotApi | TimedSlackApi


# --------------------------------------------------------------------------- servers --
def environments(platform: str, api_url: str) -> tuple[dict[str, str], dict[str, str]]:
    """The variables of ours (without DATABASE_URL) and of the bare apps."""
    if platform == TELEGRAM:
        common = {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api_url,
            "TELEGRAM_WEBHOOK_SECRET": rq.TELEGRAM_SECRET,
        }
        return {
            **common,
            "TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook",
        }, common
    common = {
        "SLACK_BOT_TOKEN": rq.SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": rq.SLACK_SECRET,
        "SLACK_API_URL": api_url,
    }
    return common, common


@contextlib.contextmanager
def servers(platform: str, database_url: str, api_url: str) -> Iterator[list[Server]]:
    """Ours first, then the bare baselines; all stopped on the way out."""
    ours, common = environments(platform, api_url)
    bares: list[tuple[str, list[str]]] = [("bare Bolt", [])]
    if platform == TELEGRAM:
        bares = [("bare PTB", []), ("bare PTB + AIORateLimiter", ["--rate-limited"])]
    started: list[Server] = []
    try:
        web = ["-m", "bot", "web", "--host", "127.0.0.1"]
        env = {**ours, "DATABASE_URL": database_url}
        started.append(start_server("alliancebot web", web, env, free_port()))
        for name, flags in bares:
            port = free_port()
            args = ["-m", "bench.inbound_bare", platform, str(port), *flags]
            started.append(start_server(name, args, common, port))
        for server in started:
            if not healthy(server):
                raise RuntimeError(f"{server.name} did not start:\n{server.output()[-3000:]}")
        yield started
    finally:
        for server in started:
            server.stop()


# ------------------------------------------------------------------------ one burst --
@dataclass(frozen=True)
class Burst:
    """What a scenario sends, and which replies each of its requests (`targets`) should
    get: `expect` maps a reply's method to which target a call of it answers."""

    platform: str
    workload: str
    requests: list[Request]
    targets: list[str]
    expect: dict[str, Target]
    in_flight: int
    stored: Callable[[], db.Stored]  # what ours stored of it, asked afterwards


def await_replies(api: Api, mark: int, burst: Burst, timeout: float) -> Replies:
    """Until every reply is through (bounded), then a second more for late duplicates."""
    deadline = time.monotonic() + timeout

    def seen() -> Replies:
        return replies(api.since(mark), burst.targets, burst.expect)

    while seen().complete < len(burst.targets) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)
    return seen()


def measure(
    where: str, server: Server, ours: bool, engine: Engine, api: Api, burst: Burst
) -> Outcome:
    """Post the burst; wait for ours' inbox and replies; what the database holds."""
    mark, overflows_before = len(api.log), listen_overflows()
    server_cpu, bench_cpu = cpu_seconds(server.process.pid), time.process_time()
    pause = RETRY_PAUSE if burst.platform == TELEGRAM else None  # Slack does not retry these
    passed = asyncio.run(post_all(server.url, _path(burst), burst.requests, burst.in_flight, pause))
    handled = db.wait_until_handled(engine, burst.platform) if ours else 0.0
    seen = await_replies(api, mark, burst, REPLIES_TIMEOUT if ours else 0.0)
    server_cpu = _since(server_cpu, cpu_seconds(server.process.pid))
    overflows = _since(overflows_before, listen_overflows())
    calls = Counter(call.method for call in api.since(mark) if call.status == 200)
    return Outcome(
        where,
        burst.platform.title(),
        burst.workload,
        server.name,
        passed,
        seen,
        burst.stored() if ours else None,
        len(burst.targets),
        handled,
        server_cpu=math.nan if server_cpu is None else server_cpu,
        bench_cpu=time.process_time() - bench_cpu,
        overflows=None if overflows is None else int(overflows),
        calls=tuple(sorted(calls.items())),
    )


def _since(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else after - before


def _path(burst: Burst) -> str:
    return TELEGRAM_PATH if burst.platform == TELEGRAM else SLACK_PATH


# -------------------------------------------------------------------------- Telegram --
def telegram_bursts(engine: Engine, people: db.Population) -> Iterator[Burst]:
    taps = [
        button(user, f"pa:{people.energy}:{1 + n % 5}", text="Energie?", label=str(1 + n % 5))
        for n, user in enumerate(people.telegram)
    ]
    queries = {str(t["callback_query"]["from"]["id"]): t["callback_query"]["id"] for t in taps}

    def by_chat(call: Any) -> str | None:
        return queries.get(str(call.params.get("chat_id")))

    tap_keys = [str(t["update_id"]) for t in taps]
    yield Burst(
        TELEGRAM,
        "pulse taps",
        [rq.telegram_request(t) for t in rq.with_redeliveries(taps, REDELIVERED)],
        list(queries.values()),
        {
            "answerCallbackQuery": by_param("callback_query_id"),
            "editMessageText": by_chat,
            "sendMessage": by_chat,
        },
        IN_FLIGHT,
        lambda: db.answers(engine, people.energy, people.person_ids, TELEGRAM, tap_keys),
    )
    senders = people.telegram[:SIGNALS]
    texts = [message(user, f"/signaal {SIGNAL_MARK} {n}") for n, user in enumerate(senders)]
    text_keys = [str(u["update_id"]) for u in texts]
    yield Burst(
        TELEGRAM,
        "`/signaal`",
        [rq.telegram_request(u) for u in rq.with_redeliveries(texts, SIGNALS_REDELIVERED)],
        [str(user) for user in senders],
        {"sendMessage": by_param("chat_id")},
        IN_FLIGHT,
        lambda: db.signals(engine, SIGNAL_MARK, TELEGRAM, text_keys),
    )


def slack_bursts(engine: Engine, people: db.Population, api: Api) -> Iterator[Burst]:
    assert isinstance(api, TimedSlackApi)
    presses = [
        rq.block_action(api, user, f"pa:{people.trust}:{1 + n % 5}")
        for n, user in enumerate(people.slack)
    ]
    press_keys = [f"action:{n}.2.bench" for n, _ in presses]
    yield Burst(
        SLACK,
        "button presses",
        rq.with_redeliveries([request for _, request in presses], REDELIVERED),
        [n for n, _ in presses],
        {RESPOND: by_param("_n")},
        IN_FLIGHT,
        lambda: db.answers(engine, people.trust, people.person_ids, SLACK, press_keys),
    )
    commands = [rq.slash(api, user, "kernboodschap") for user in people.slack[:COMMANDS]]
    command_keys = [f"command:{n}.1.bench" for n, _ in commands]
    yield Burst(
        SLACK,
        "`/alliance kernboodschap`",
        [request for _, request in commands],
        [n for n, _ in commands],
        {RESPOND: by_param("_n")},
        COMMANDS,
        lambda: db.inbox_only(engine, SLACK, command_keys),
    )


def warm_up(server: Server, platform: str, api: Api, people: db.Population) -> None:
    """`/help` from the last few people, so that first connections and caches are made."""
    if platform == TELEGRAM:
        requests = [rq.telegram_request(message(u, "/help")) for u in people.telegram[-WARMUP:]]
    else:
        assert isinstance(api, TimedSlackApi)
        requests = [rq.slash(api, user, "help")[1] for user in people.slack[-WARMUP:]]
    path = TELEGRAM_PATH if platform == TELEGRAM else SLACK_PATH
    asyncio.run(post_all(server.url, path, requests, WARMUP))


def phase(
    where: str, platform: str, engine: Engine, url: str, people: db.Population
) -> list[Outcome]:
    """One platform's servers, each warmed up, then given each burst in turn."""
    outcomes: list[Outcome] = []
    api: Api = telegram_fake() if platform == TELEGRAM else slack_fake()
    with api, servers(platform, url, api.base_url) as started:
        for server in started:
            ours = server is started[0]
            warm_up(server, platform, api, people)
            if ours:
                db.wait_until_handled(engine, platform)
            time.sleep(1.5)  # the warm-up's replies out of the way, the limiter refilled
            if platform == TELEGRAM:
                bursts = telegram_bursts(engine, people)
            else:
                bursts = slack_bursts(engine, people, api)
            for burst in bursts:
                outcomes.append(measure(where, server, ours, engine, api, burst))
                report(outcomes[-1])
        path = TELEGRAM_PATH if platform == TELEGRAM else SLACK_PATH
        for server in started:
            log_summary(server, path)
    return outcomes


# ------------------------------------------------------------------------------- run --
def one_database(where: str, engine: Engine, url: str) -> list[Outcome]:
    print(f"\n## {where}")
    people = db.populate(engine, PRESSES)
    engine.dispose()  # no connection of ours in the servers' way
    return [
        o for platform in (TELEGRAM, SLACK) for o in phase(where, platform, engine, url, people)
    ]


def run() -> list[Figure]:
    print(
        f"Telegram: {PRESSES} pulse taps + {REDELIVERED} redelivered, then {SIGNALS} `/signaal`"
        f" + {SIGNALS_REDELIVERED} redelivered, {IN_FLIGHT} in flight, non-200 posted again"
        f" after {RETRY_PAUSE:g} s; Slack: {PRESSES} presses + {REDELIVERED} replayed,"
        f" {IN_FLIGHT} in flight, then {COMMANDS} slash commands at once; fakes answer after"
        " 50 ± 20 ms; Bot API: 30 msg/s overall, 1 msg/s per chat"
    )
    outcomes: list[Outcome] = []
    with (
        tempfile.TemporaryDirectory() as directory,
        db.sqlite_database(Path(directory)) as (engine, url),
    ):
        outcomes += one_database("SQLite", engine, url)
    postgres = os.environ.get("TEST_DATABASE_URL") or db.DEFAULT_POSTGRES
    if db.postgres_reachable(postgres):
        with db.postgres_database(postgres) as (engine, url):
            outcomes += one_database("PostgreSQL", engine, url)
    else:
        safe = make_url(postgres).render_as_string(hide_password=True)
        print(f"\n## PostgreSQL\nskipped: PostgreSQL at {safe} did not answer")
    tables(outcomes)
    return figures(outcomes)
