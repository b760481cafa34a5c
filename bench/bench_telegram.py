"""Telegram webhook throughput through `alliancebot web`, next to a bare PTB application.

Real Update JSON is posted to `POST /telegram/webhook` (with the secret header) of three
servers, each its own subprocess under uvicorn with the same log level, so all pay the same
process, HTTP and JSON costs:

- ours: `alliancebot web` (the CLI's `web` command on the demo database, bound to 127.0.0.1
  instead of its default 0.0.0.0);
- the baseline, "bare PTB": a python-telegram-bot `Application` (no updater) with one
  `TypeHandler` that answers a message with a static `send_message(chat_id, "ok")` and a
  button press with `answer()`, in a minimal Starlette app checking the same secret header;
- the same with the `AIORateLimiter(max_retries=3)` ours uses. PTB's limiter lets 30
  requests a second that name a chat (sendMessage, editMessageText; not answerCallbackQuery)
  through, whatever the chat, so under load it, not our code, sets the pace.

All talk to the local fake Bot API (`tests.fakes.telegram_api`) set never to throttle.
Workloads: `/house` from the ambassador Gerda (one 1.3 kB HTML message for the demo house),
a stale button press (`he:99999`: an alert, nothing else) and a real press (`sa:<signal>` by
an adviser given a Telegram account: answer, edit the pressed message, send the reply; the
signal changes on the first press only). Each server gets 20 warm-up updates, then N
(`BENCH_TELEGRAM_N`, default 400) at a concurrency of 8: updates/s is N over the wall time,
latency is request sent to response received. Then `BENCH_TELEGRAM_PACED` (default 50) one
at a time, 100 ms apart, for the latency without queueing (under the limiter's rate).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import col, select

from bench.servers import (
    Server,
    free_port,
    line,
    listen_overflows,
    log_summary,
    ms,
    ratio,
    start_server,
    wait_healthy,
)
from bench.timing import Figure
from bot.core.attention import Signal
from bot.core.kernel import Identity, Person
from bot.db import make_engine, session_scope
from bot.demo.run import build_demo_database
from tests.fakes.telegram_api import TOKEN, FakeBotApi, Rules
from tests.fakes.telegram_updates import button, message

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_N = 400
CONCURRENCY = 8
WARMUP = 20
DEFAULT_PACED = 50  # updates one at a time, PACE apart: latency without queueing
PACE = 0.1  # s; 10 updates/s keeps even two chat messages an update under PTB's 30 msg/s
SECRET = "bench-webhook-secret"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PATH = "/telegram/webhook"
GERDA = 700100001  # an ambassador with a Telegram id in the demo alliance file
ADVISER = "bram"  # an adviser; given the Telegram id below for the real press
ADVISER_TELEGRAM = 700200001
STARTUP_TIMEOUT = 60.0
REQUEST_TIMEOUT = 60.0


# --------------------------------------------------------------------------- updates --
@dataclass(frozen=True)
class Workload:
    name: str
    make: Callable[[], dict[str, Any]]


# -------------------------------------------------------------------------- baseline --
def baseline_app(token: str, api_url: str, secret: str, rate_limited: bool) -> Any:
    """The least a PTB webhook bot does: check the secret, parse, process, answer statically."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route
    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        Application,
        ApplicationBuilder,
        ContextTypes,
        TypeHandler,
    )

    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder().token(token).base_url(api_url).updater(None)
    )
    if rate_limited:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    application = builder.build()

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            await update.callback_query.answer()
        elif update.message is not None:
            await context.bot.send_message(update.message.chat_id, "ok")

    application.add_handler(TypeHandler(Update, on_update))

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, application.bot)
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"ok": False, "error": "not an update"}, status_code=400)
        await application.process_update(update)
        return JSONResponse({"ok": True})

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await application.initialize()
        await application.start()
        try:
            yield
        finally:
            await application.stop()
            await application.shutdown()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route(PATH, webhook, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def serve_baseline(port: int, rate_limited: bool) -> None:
    """`python -m bench.bench_telegram --serve-baseline PORT [--rate-limited]`."""
    import uvicorn

    logging.basicConfig(  # as the CLI does for ours
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    app = baseline_app(
        os.environ["TELEGRAM_BOT_TOKEN"],
        os.environ["TELEGRAM_API_URL"],
        os.environ["TELEGRAM_WEBHOOK_SECRET"],
        rate_limited,
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")  # as `serve_web`


# --------------------------------------------------------------------------- servers --
@contextlib.contextmanager
def servers(database_url: str, api_url: str) -> Iterator[list[Server]]:
    common = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": api_url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    ours_env = {
        **common,
        "DATABASE_URL": database_url,
        "TELEGRAM_WEBHOOK_URL": "https://example.invalid/telegram/webhook",
    }
    started: list[Server] = []
    try:
        port = free_port()
        started.append(
            start_server(
                "alliancebot web", ["-m", "bot", "web", "--host", "127.0.0.1"], ours_env, port
            )
        )
        serve = ["-m", "bench.bench_telegram", "--serve-baseline"]
        port = free_port()
        started.append(start_server("bare PTB", [*serve, str(port)], common, port))
        port = free_port()
        limited = [*serve, str(port), "--rate-limited"]
        started.append(start_server("bare PTB + AIORateLimiter", limited, common, port))
        yield started
    finally:
        for server in started:
            server.stop()


# ------------------------------------------------------------------------------ load --
@dataclass
class Result:
    server: str
    workload: str
    mode: str  # "loaded" (CONCURRENCY in flight) or "paced" (one at a time, PACE apart)
    n: int
    latencies: list[float]
    wall: float
    statuses: Counter[str]
    api_calls: Counter[str]
    errors: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.wall if self.wall else 0.0

    def percentile(self, p: float) -> float:
        """Nearest rank: the smallest latency at or above `p` of the requests."""
        if not self.latencies:
            return math.nan
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(p * len(ordered)) - 1)]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else math.nan

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    @property
    def non_200(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "200")


async def post_all(
    client: httpx.AsyncClient, bodies: list[bytes], concurrency: int, pace: float = 0.0
) -> tuple[list[float], float, Counter[str], list[str]]:
    """Post every body, `concurrency` at a time, each worker starting at most every `pace`
    seconds; latencies, wall time, statuses, errors."""
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    errors: list[str] = []
    pending = iter(bodies)
    slot = [0.0]  # when the next paced request may start
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}

    async def worker() -> None:
        for body in pending:  # shared: each body is taken by one worker
            start = time.perf_counter()
            if pace:
                await asyncio.sleep(max(0.0, slot[0] - start))
                start = time.perf_counter()
                slot[0] = start + pace
            try:
                response = await client.post(PATH, content=body, headers=headers)
            except httpx.HTTPError as error:
                statuses[type(error).__name__] += 1
                errors.append(repr(error))
                continue
            latencies.append(time.perf_counter() - start)
            statuses[str(response.status_code)] += 1
            if response.status_code != 200 and len(errors) < 5:
                errors.append(f"{response.status_code}: {response.text[:200]}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, time.perf_counter() - start, statuses, errors


async def measure(
    server: Server, workload: Workload, n: int, api: FakeBotApi, paced: bool = False
) -> Result:
    """Warm up, then post `n` updates: CONCURRENCY in flight, or one at a time if `paced`."""
    concurrency, pace = (1, PACE) if paced else (CONCURRENCY, 0.0)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=server.url, timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:
        warmup = [json.dumps(workload.make()).encode() for _ in range(WARMUP)]
        await post_all(client, warmup, CONCURRENCY)
        if paced:
            await asyncio.sleep(1.0)  # let PTB's limiter refill after the warm-up burst
        bodies = [json.dumps(workload.make()).encode() for _ in range(n)]
        before = len(api.calls)
        latencies, wall, statuses, errors = await post_all(client, bodies, concurrency, pace)
        with api.lock:
            calls = Counter(method for method, _ in api.calls[before:])
    mode = "paced" if paced else "loaded"
    return Result(server.name, workload.name, mode, n, latencies, wall, statuses, calls, errors)


# --------------------------------------------------------------------------- fixture --
def prepare(directory: Path) -> tuple[str, int]:
    """The demo database, with a Telegram account for an adviser; a signal's id to press."""
    url = build_demo_database(directory)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            adviser = session.exec(select(Person).where(Person.key == ADVISER)).one()
            session.add(
                Identity(
                    person_id=adviser.id or 0,
                    platform="telegram",
                    external_id=str(ADVISER_TELEGRAM),
                )
            )
            signal = session.exec(select(Signal).order_by(col(Signal.id))).first()
            assert signal is not None and signal.id is not None, "the demo has signals"
            signal_id = signal.id
    finally:
        engine.dispose()
    return url, signal_id


# ---------------------------------------------------------------------------- report --
def calls_per_update(result: Result) -> str:
    return ", ".join(
        f"{method} {count / result.n:.2f}" for method, count in sorted(result.api_calls.items())
    )


def report(result: Result) -> None:
    print(f"\n### {result.workload} · {result.server} · {result.mode}")
    line("updates posted / answered", f"{result.n} / {len(result.latencies)}")
    line("responses by status", dict(sorted(result.statuses.items())))
    line("wall time", f"{result.wall:.2f}", "s")
    line("throughput", f"{result.throughput:.1f}", "updates/s")
    line("latency p50 / p99", f"{ms(result.p50)} / {ms(result.p99)}", "ms")
    if result.latencies:
        slow = [t for t in result.latencies if t > 10 * result.p50]
        line("latency max", ms(max(result.latencies)), f"ms ({len(slow)} over 10× p50)")
    line("Bot API calls per update", calls_per_update(result) or "-")
    for error in result.errors[:5]:
        line("error", error)


def table(results: list[Result], references: list[str]) -> None:
    """One row per workload and server; ratios against each reference server."""
    heads = "".join(f" p50 vs {name} | updates/s vs {name} |" for name in references)
    print(
        "\n| workload | server | updates/s | p50 ms | p99 ms | max ms | non-200"
        f" | Bot API calls per update |{heads}"
    )
    print("|---|---|---|---|---|---|---|---|" + "---|---|" * len(references))
    for result in results:
        cells = ""
        for name in references:
            base = next(
                r
                for r in results
                if (r.workload, r.mode, r.server) == (result.workload, result.mode, name)
            )
            compared = result is not base
            cells += f" {ratio(result.p50, base.p50) if compared else '1'} |"
            cells += f" {ratio(result.throughput, base.throughput) if compared else '1'} |"
        print(
            f"| {result.workload} | {result.server} | {result.throughput:.1f} |"
            f" {ms(result.p50)} | {ms(result.p99)} |"
            f" {ms(max(result.latencies, default=math.nan))} | {result.non_200} |"
            f" {calls_per_update(result)} |{cells}"
        )


def paced_table(results: list[Result], references: list[str]) -> None:
    heads = "".join(f" p50 vs {name} |" for name in references)
    print(f"\n| workload | server | p50 ms | p99 ms | max ms | non-200 |{heads}")
    print("|---|---|---|---|---|---|" + "---|" * len(references))
    for result in results:
        cells = ""
        for name in references:
            base = next(
                r
                for r in results
                if (r.workload, r.mode, r.server) == (result.workload, result.mode, name)
            )
            cells += f" {ratio(result.p50, base.p50) if result is not base else '1'} |"
        print(
            f"| {result.workload} | {result.server} | {ms(result.p50)} | {ms(result.p99)} |"
            f" {ms(max(result.latencies, default=math.nan))} | {result.non_200} |{cells}"
        )


def run() -> list[Figure]:
    n = int(os.environ.get("BENCH_TELEGRAM_N", DEFAULT_N))
    paced_n = int(os.environ.get("BENCH_TELEGRAM_PACED", DEFAULT_PACED))
    print(
        f"N = {n} updates per workload and server, {WARMUP} warm-up, concurrency {CONCURRENCY};"
        f" then {paced_n} one at a time, {PACE * 1e3:.0f} ms apart (latency without queueing);"
        " POST /telegram/webhook on 127.0.0.1; fake Bot API never throttles"
    )
    results: list[Result] = []
    with (
        tempfile.TemporaryDirectory() as directory,
        FakeBotApi(Rules(per_chat_interval=0.0, per_second=100_000)) as api,
    ):
        assert isinstance(api, FakeBotApi)
        overflows = listen_overflows()
        database_url, signal_id = prepare(Path(directory))
        workloads = [
            Workload("`/house` (Gerda)", lambda: message(GERDA, "/house")),
            Workload("stale button press", lambda: button(GERDA, "he:99999")),
            Workload(
                "button press `sa:<signal>` (adviser)",
                lambda: button(ADVISER_TELEGRAM, f"sa:{signal_id}", label="Op de agenda"),
            ),
        ]
        with servers(database_url, api.base_url) as started:
            for server in started:
                if not wait_healthy(server):
                    print(f"{server.name} did not start:\n{server.output()[-3000:]}")
                    return []
            for workload in workloads:
                for server in started:
                    results.append(asyncio.run(measure(server, workload, n, api)))
                    report(results[-1])
            for workload in workloads:
                for server in started:
                    paced = asyncio.run(measure(server, workload, paced_n, api, paced=True))
                    results.append(paced)
                    report(paced)
        print("\n### server logs")
        for server in started:
            log_summary(server, PATH)
            server.log.close()
        after = listen_overflows()
        if overflows is not None and after is not None:
            line("listen-queue overflows on this host", after - overflows, "(target 0)")
        house = [m.text for m in api.messages_to(str(GERDA)) if m.text != "ok"]
        line("ours: messages to Gerda naming the house", sum("Kernboodschap" in t for t in house))
        line("ours: messages to Gerda, largest", max(map(len, house), default=0), "characters")
    ours_name, references = started[0].name, [server.name for server in started[1:]]
    table([r for r in results if r.mode == "loaded"], references)
    paced_table([r for r in results if r.mode == "paced"], references)
    bare = references[0]

    def pick(workload: Workload, server: str, mode: str) -> Result:
        return next(
            r for r in results if (r.workload, r.server, r.mode) == (workload.name, server, mode)
        )

    figures = []
    for workload in workloads:
        short = workload.name.split(" (")[0]
        ours, base = pick(workload, ours_name, "loaded"), pick(workload, bare, "loaded")
        figures.append(Figure(f"webhook {short}: p50", ours.p50, base.p50, "per update"))
        figures.append(Figure(f"webhook {short}: p99", ours.p99, base.p99, "per update"))
        ours, base = pick(workload, ours_name, "paced"), pick(workload, bare, "paced")
        figures.append(Figure(f"webhook {short}: p50 paced", ours.p50, base.p50, "per update"))
    return figures


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--serve-baseline":
        serve_baseline(int(sys.argv[2]), rate_limited="--rate-limited" in sys.argv[3:])
    else:
        print("usage: python -m bench.bench_telegram --serve-baseline PORT [--rate-limited]")
        sys.exit(2)
