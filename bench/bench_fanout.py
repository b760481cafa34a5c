"""Fan-out of many Telegram deliveries against a fake Bot API that enforces flood control.

The fake (`tests.fakes.telegram_api`) allows 30 messages a second overall and one a second
per chat, and answers 429 with `retry_after` beyond that. The workers run as they do in
production: `python -m bot dispatch --once` subprocesses, with the default pace (29 msg/s,
a little under the limit). The baseline is the fake's limit itself, so the ratio is the
sustained rate as a fraction of 30 msg/s (target ≥ 0.95); 429s and duplicates should be 0.

Cases: one worker on SQLite; two workers together on one PostgreSQL schema (they share the
rate through their heartbeats). `BENCH_FANOUT_N` sets the number of deliveries (default
10,000, about six minutes a case); the PostgreSQL case uses `TEST_DATABASE_URL` or a local
default and is skipped with a note when the server cannot be reached.

Worker memory is each subprocess's peak RSS (`wait4`), next to the peak RSS of the same
command sending a small warm-up batch, so that growth with the size of the fan-out shows.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import col, func, select

from bench.timing import Figure
from bot.core.outbox import Delivery
from bot.db import database_answers, make_engine, migrate, session_scope
from tests.fakes import fanout
from tests.fakes.fanout import postgres_schema, seed_deliveries, seed_people
from tests.fakes.telegram_api import FakeBotApi, Rules

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_N = 10_000
LIMIT = 30  # the fake's overall limit, msg/s: the baseline
TARGET = 0.95
WARMUP = 30  # deliveries in the memory baseline run
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MIB = 1024.0  # ru_maxrss is in KiB on Linux


class RecordingBotApi(FakeBotApi):
    """The fake, also noting when it answered 429 (to see where in the run they fell)."""

    def __init__(self, rules: Rules | None = None) -> None:
        super().__init__(rules)
        self.too_many_at: list[float] = []

    def _send(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        answer = super()._send(method, params)
        if answer[0] == 429:
            self.too_many_at.append(time.monotonic())
        return answer


@dataclass
class WorkerRun:
    exit_code: int
    max_rss_mib: float
    seconds: float
    log: str  # stdout and stderr together


@dataclass
class Case:
    name: str
    n: int
    workers: list[WorkerRun]
    warmup_rss_mib: float
    chats: list[str]
    times: list[float]
    too_many: int
    too_many_at: list[float]
    started: float
    statuses: dict[str, int] = field(default_factory=dict)
    sent_by_worker: list[int] = field(default_factory=list)

    @property
    def distinct(self) -> int:
        return len(set(self.chats))

    @property
    def duplicates(self) -> int:
        return len(self.chats) - self.distinct

    @property
    def span(self) -> float:
        return self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0

    @property
    def rate(self) -> float:
        return (len(self.times) - 1) / self.span if self.span else 0.0

    def steady_rate(self) -> float:
        """The rate over the middle 80% of the messages (start-up and tail left out)."""
        if len(self.times) < 20:
            return self.rate
        low, high = len(self.times) // 10, len(self.times) - len(self.times) // 10 - 1
        return (high - low) / (self.times[high] - self.times[low])

    def timeline(self, window: float = 10.0) -> list[float]:
        """Messages per second in consecutive windows from the first message on."""
        if not self.times:
            return []
        counts = Counter(int((at - self.times[0]) // window) for at in self.times)
        last = max(counts)
        tail = self.span - last * window  # the last window is only partly used
        return [
            counts.get(i, 0) / (window if i < last or tail <= 0 else tail) for i in range(last + 1)
        ]

    def busiest_second(self) -> int:
        """The most messages the fake accepted in any one-second window."""
        best, start = 0, 0
        for end, at in enumerate(self.times):
            while at - self.times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best


# ------------------------------------------------------------------------- database --
def outcome(engine: Engine, prefix: str) -> tuple[dict[str, int], list[int]]:
    """Statuses of this case's rows, and how many rows each worker marked sent."""
    mine = col(Delivery.dedupe_key).like(f"{prefix}:%")
    with session_scope(engine) as session:
        statuses = dict(
            session.exec(
                select(Delivery.status, func.count()).where(mine).group_by(col(Delivery.status))
            ).all()
        )
        per_worker = session.exec(
            select(func.count())
            .select_from(Delivery)
            .where(mine, Delivery.status == "sent")
            .group_by(col(Delivery.claimed_by))
        ).all()
    return statuses, sorted(per_worker, reverse=True)


@contextmanager
def sqlite_database(directory: Path) -> Iterator[tuple[Engine, str]]:
    url = f"sqlite:///{directory / 'fanout.db'}"
    engine = make_engine(url)
    try:
        migrate(engine)
        yield engine, url
    finally:
        engine.dispose()


def postgres_reachable(url: str) -> bool:
    engine = make_engine(url, connect_args={"connect_timeout": 5})
    try:
        return database_answers(engine)
    finally:
        engine.dispose()


# -------------------------------------------------------------------------- workers --
@dataclass
class Launched:
    """A worker subprocess; its output goes to a file, so a chatty worker never blocks."""

    process: subprocess.Popen[str]
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        text = self.log.read().decode(errors="replace").strip()
        self.log.close()
        return text


def start_worker(database_url: str, api_url: str) -> Launched:
    log = tempfile.TemporaryFile()  # noqa: SIM115  (closed by `Launched.output`)
    return Launched(fanout.start_worker(database_url, api_url, output=log), log)


def wait_workers(workers: list[Launched], timeout: float) -> list[WorkerRun]:
    """Reap each worker with `wait4`, which gives that process's own peak RSS."""
    started = time.monotonic()
    done: dict[int, tuple[int, float, float]] = {}
    while len(done) < len(workers):
        for worker in workers:
            if worker.process.pid in done:
                continue
            pid, status, usage = os.wait4(worker.process.pid, os.WNOHANG)
            if pid:
                code = os.waitstatus_to_exitcode(status)
                worker.process.returncode = code
                done[pid] = (code, usage.ru_maxrss / MIB, time.monotonic() - started)
        if len(done) < len(workers):
            if time.monotonic() - started > timeout:
                for worker in workers:
                    if worker.process.pid not in done:
                        worker.process.kill()
            time.sleep(0.1)
    runs = []
    for worker in workers:
        log = worker.output()
        code, rss, seconds = done[worker.process.pid]
        runs.append(WorkerRun(code, rss, seconds, log))
    return runs


def warmup_rss(engine: Engine, url: str, alliance_id: int) -> float:
    """Peak RSS of one worker sending a small batch: the memory every worker needs."""
    seed_deliveries(engine, alliance_id, "warmup", WARMUP)
    with RecordingBotApi(Rules(per_second=LIMIT, per_chat_interval=1.0)) as api:
        assert isinstance(api, RecordingBotApi)
        (run,) = wait_workers([start_worker(url, api.base_url)], timeout=120)
    if run.exit_code != 0:
        print(f"warm-up worker exited {run.exit_code}: {run.log[-500:]}")
    return run.max_rss_mib


def fan_out(name: str, engine: Engine, url: str, n: int, workers: int) -> Case:
    alliance_id = seed_people(engine, max(n, WARMUP))
    baseline_rss = warmup_rss(engine, url, alliance_id)
    seed_deliveries(engine, alliance_id, "bench", n)
    engine.dispose()  # no connection of ours in the workers' way
    with RecordingBotApi(Rules(per_second=LIMIT, per_chat_interval=1.0)) as api:
        assert isinstance(api, RecordingBotApi)
        started = time.monotonic()
        processes = [start_worker(url, api.base_url) for _ in range(workers)]
        runs = wait_workers(processes, timeout=n / 10 + 180)
        sent = sorted(api.sent, key=lambda m: m.at)
        case = Case(
            name=name,
            n=n,
            workers=runs,
            warmup_rss_mib=baseline_rss,
            chats=[m.chat_id for m in sent],
            times=[m.at for m in sent],
            too_many=api.too_many,
            too_many_at=list(api.too_many_at),
            started=started,
        )
    case.statuses, case.sent_by_worker = outcome(engine, "bench")
    return case


# -------------------------------------------------------------------------- report --
def line(name: str, value: object, unit: str = "") -> None:
    print(f"{name:<46} {value!s:>12} {unit}".rstrip())


def report(case: Case) -> None:
    print(f"\n### {case.name}")
    line("deliveries planned", case.n)
    line("messages accepted by the fake", len(case.chats))
    line("distinct chats reached", case.distinct, f"(missing {case.n - case.distinct})")
    line("duplicates (same chat twice)", case.duplicates, "(target 0)")
    line("first to last message", f"{case.span:.1f}", "s")
    line("sustained rate", f"{case.rate:.2f}", "msg/s")
    line("baseline: the fake's limit", LIMIT, "msg/s")
    line("fraction of limit", f"{case.rate / LIMIT:.3f}", f"(target ≥ {TARGET})")
    line("steady rate, middle 80% of messages", f"{case.steady_rate():.2f}", "msg/s")
    line("most messages in any 1 s window", case.busiest_second(), f"(fake allows {LIMIT})")
    line("429 answers", case.too_many, "(target 0)")
    windows = " ".join(f"{rate:.1f}" for rate in case.timeline())
    line("msg/s per 10 s window (last: partial)", windows)
    if case.too_many_at:
        offsets = [at - case.started for at in case.too_many_at]
        line("429s: first / last after start", f"{min(offsets):.1f} / {max(offsets):.1f}", "s")
    if case.times:
        line("start-up: launch to first message", f"{case.times[0] - case.started:.2f}", "s")
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(case.statuses.items()))
    line("rows by status", statuses)
    if len(case.workers) > 1:
        line("rows marked sent per worker", " / ".join(map(str, case.sent_by_worker)))
    for number, run in enumerate(case.workers, 1):
        label = f"worker {number}" if len(case.workers) > 1 else "worker"
        line(f"{label}: peak RSS", f"{run.max_rss_mib:.1f}", "MiB")
        line(f"{label}: exit code, wall time", f"{run.exit_code}, {run.seconds:.1f} s")
        line(f"{label}: its own count", run.log.splitlines()[-1] if run.log else "-")
        warnings = Counter(
            row.split(":", 2)[1] if ":" in row else row
            for row in run.log.splitlines()
            if row.startswith(("WARNING", "ERROR"))
        )
        if warnings:
            line(f"{label}: log warnings", dict(warnings))
        if run.exit_code != 0:
            print(run.log[-2000:])
    line(f"baseline: one worker sending {WARMUP}, peak RSS", f"{case.warmup_rss_mib:.1f}", "MiB")
    peak = max((run.max_rss_mib for run in case.workers), default=0.0)
    line("worker peak RSS growth over baseline", f"{peak - case.warmup_rss_mib:+.1f}", "MiB")


def table(cases: list[Case]) -> None:
    print(
        "\n| case | sent / N | msg/s | fraction of 30/s | 429s | duplicates | peak RSS (baseline) |"
    )
    print("|---|---|---|---|---|---|---|")
    for case in cases:
        rss = " + ".join(f"{run.max_rss_mib:.0f}" for run in case.workers)
        print(
            f"| {case.name} | {case.distinct} / {case.n} | {case.rate:.2f} |"
            f" {case.rate / LIMIT:.3f} | {case.too_many} | {case.duplicates} |"
            f" {rss} MiB ({case.warmup_rss_mib:.0f} MiB) |"
        )


def run() -> list[Figure]:
    n = int(os.environ.get("BENCH_FANOUT_N", DEFAULT_N))
    print(
        f"N = {n} deliveries; fake Bot API: {LIMIT} msg/s overall, 1 s per chat, 429 beyond;"
        " workers: `python -m bot dispatch --once`, default pace"
    )
    cases: list[Case] = []
    with tempfile.TemporaryDirectory() as directory, sqlite_database(Path(directory)) as db:
        cases.append(fan_out("one worker, SQLite", db[0], db[1], n, workers=1))
        report(cases[-1])
    postgres = os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    if postgres_reachable(postgres):
        with postgres_schema(postgres) as db:
            cases.append(fan_out("two workers, PostgreSQL", db[0], db[1], n, workers=2))
            report(cases[-1])
    else:
        safe = make_url(postgres).render_as_string(hide_password=True)
        print(f"\n### two workers, PostgreSQL\nskipped: PostgreSQL at {safe} did not answer")
    table(cases)
    return []
