"""Fan-out of many Telegram deliveries against a fake Bot API that looks like the world.

The fake (`tests.fakes.telegram_api`) allows 30 messages a second overall and one a second
per chat, answers 429 with `retry_after` beyond that, and takes a round trip to answer:
none (the instant fake, the baseline of earlier runs), 50 ms (a European VM), or 150 ± 100
ms (a loaded API). Every rate is a fraction of the fake's 30 msg/s, next to the same run's
instant-fake figure. The workers run as in production: `python -m bot dispatch --once`
subprocesses with the default settings (pace 29 msg/s, so 0.967 is the ceiling).

Cases (`BENCH_FANOUT_CASES`, comma-separated names, picks some; all by default):

- `sqlite-*`: one worker on SQLite; `pg-*`: two workers on one PostgreSQL schema (sharing
  the send budget in the database), for each round trip `instant`, `50`, `150`;
- `kill-sqlite`, `kill-pg`: a worker killed with SIGKILL a third into the fan-out and a new
  one started at once (50 ms fake): everyone reached, duplicates against the in-flight
  bound, seconds from the restart until a sliding 2 s window is back at 0.9 of the limit;
- `taps-sqlite`, `taps-pg`: the fan-out plus 300 pulse taps answered by `alliancebot web`
  (webhook mode), against the same fake and the same database budget (`fanout_taps`).

`BENCH_FANOUT_N` sets the number of deliveries (default 2,000, about 70 s a case). Worker
memory is each subprocess's peak RSS (`wait4`), next to one worker sending a 30-row warm-up
batch. The load average when each case began is printed next to it: the machine is shared
(`BENCH_FANOUT_QUIET=3` waits, up to two minutes a case, for the load to fall under 3).
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from bench import fanout_taps
from bench.fanout_case import INSTANT, Case, RecordingBotApi, RoundTrip, collect, load_average
from bench.fanout_report import report, table
from bench.fanout_workers import (
    Driven,
    drive,
    outcome,
    postgres_url,
    sqlite_database,
    start_worker,
    wait_workers,
)
from bench.timing import Figure
from tests.fakes.fanout import postgres_schema, seed_deliveries, seed_people

DEFAULT_N = 2_000
WARMUP = 30  # deliveries in the memory baseline run
KILL_AT = 1 / 3  # of the fan-out accepted by the fake when a worker is killed
ROUND_TRIPS = {"instant": INSTANT, "50": RoundTrip(0.050), "150": RoundTrip(0.150, 0.100)}
WORLD = RoundTrip(0.050)  # the kill and taps cases' fake


@dataclass(frozen=True)
class Spec:
    key: str  # what BENCH_FANOUT_CASES names it by
    database: str  # SQLite or PostgreSQL
    workers: int
    round_trip: RoundTrip
    kill: bool = False
    taps: bool = False

    @property
    def name(self) -> str:
        workers = "one worker" if self.workers == 1 else f"{self.workers} workers"
        what = "kill -9 mid-way, " if self.kill else "+ taps, " if self.taps else ""
        return f"{workers}, {self.database}, {what}{self.round_trip.label}"


def specs() -> list[Spec]:
    every: list[Spec] = []
    for database, prefix, workers in (("SQLite", "sqlite", 1), ("PostgreSQL", "pg", 2)):
        for key, trip in ROUND_TRIPS.items():
            every.append(Spec(f"{prefix}-{key}", database, workers, trip))
        every.append(Spec(f"kill-{prefix}", database, workers, WORLD, kill=True))
        every.append(Spec(f"taps-{prefix}", database, workers, WORLD, taps=True))
    wanted = {k.strip() for k in os.environ.get("BENCH_FANOUT_CASES", "").split(",") if k.strip()}
    return [spec for spec in every if not wanted or spec.key in wanted]


# ------------------------------------------------------------------------- one case --
@contextmanager
def database(kind: str, postgres: str) -> Iterator[tuple[Engine, str]]:
    """A fresh database for one case: a SQLite file, or a PostgreSQL schema of its own."""
    if kind == "SQLite":
        with tempfile.TemporaryDirectory() as directory, sqlite_database(Path(directory)) as db:
            yield db
    else:
        with postgres_schema(postgres) as db:
            yield db


def warmup_rss(engine: Engine, url: str, alliance_id: int) -> float:
    """Peak RSS of one worker sending a small batch: the memory every worker needs."""
    seed_deliveries(engine, alliance_id, "warmup", WARMUP)
    with RecordingBotApi(INSTANT.rules()) as api:
        assert isinstance(api, RecordingBotApi)
        (run,) = wait_workers([start_worker(url, api.base_url)], time.monotonic(), timeout=120)
    if run.exit_code != 0:
        print(f"warm-up worker exited {run.exit_code}: {run.log[-500:]}")
    return run.max_rss_mib


def complete(case: Case, driven: Driven, n: int, warmup: float) -> Case:
    case.n, case.workers, case.warmup_rss_mib = n, driven.runs, warmup
    case.started, case.load, case.kill = driven.started, driven.load, driven.kill
    return case


def fan_out(spec: Spec, engine: Engine, url: str, n: int, warmup: dict[str, float]) -> Case:
    """Seed `n` deliveries, send them with the spec's workers; what the fake and the
    database saw. The first case on a database also measures the warm-up worker."""
    alliance_id = seed_people(engine, max(n, WARMUP))
    if spec.database not in warmup:
        warmup[spec.database] = warmup_rss(engine, url, alliance_id)
    seed_deliveries(engine, alliance_id, "bench", n)
    engine.dispose()  # no connection of ours in the workers' way
    with RecordingBotApi(spec.round_trip.rules()) as api:
        assert isinstance(api, RecordingBotApi)
        driven = drive(url, api, n, spec.workers, KILL_AT if spec.kill else None)
        case = collect(spec.name, spec.database, spec.round_trip, api)
    case.statuses, case.sent_by_worker = outcome(engine, "bench")
    return complete(case, driven, n, warmup[spec.database])


def one(spec: Spec, postgres: str, n: int, warmup: dict[str, float]) -> Case:
    if spec.taps:
        return fanout_taps.fan_out_with_taps(spec.name, spec.database, postgres, n, spec.workers)
    with database(spec.database, postgres) as (engine, url):
        return fan_out(spec, engine, url, n, warmup)


def quieter() -> None:
    """With `BENCH_FANOUT_QUIET=<load>`, wait (two minutes at most) until the machine's
    1-minute load average is under that before a case: a shared machine's rates vary."""
    wanted = float(os.environ.get("BENCH_FANOUT_QUIET", "0") or 0)
    deadline = time.monotonic() + 120
    while wanted and time.monotonic() < deadline and float(load_average()) >= wanted:
        time.sleep(5)


def run() -> list[Figure]:
    n = int(os.environ.get("BENCH_FANOUT_N", DEFAULT_N))
    print(
        f"N = {n} deliveries; fake Bot API: 30 msg/s overall, 1 s per chat, 429 beyond,"
        " round trip as named; workers: `python -m bot dispatch --once`, default settings"
    )
    postgres = postgres_url()
    cases: list[Case] = []
    warmup: dict[str, float] = {}
    for spec in specs():
        if spec.database == "PostgreSQL" and postgres is None:
            print(f"\n### {spec.name}\nskipped: PostgreSQL did not answer")
            continue
        quieter()
        cases.append(one(spec, postgres or "", n, warmup))
        report(cases[-1])
    table(cases)
    return []
