"""Data paths after a year: flags, planning, the daily jobs, pulse and App Home.

Replaces `bench_followup_speed` (flags over agreements without a single check-in): here
the database holds a year of a large alliance (`datapaths_seed`), with sent check-ins whose
delivery names its agreement, and every path is measured next to its baseline, reading the
same rows once (`datapaths_paths`), on SQLite (a file) and PostgreSQL (a fresh schema), at
1×, 2× and 4× the data. The issue's targets for flags: under 1 s, at most 2× the baseline,
and 4× the data at most about 4× the time.

Sizes: `BENCH_DATAPATHS_SCALE` (default 1: 100,000 agreements and 50,000 sent check-ins at
1×) multiplies every factor, so 0.1 gives a quick run; `BENCH_DATAPATHS_FACTORS` (default
"1,2,4") and `BENCH_DATAPATHS_BACKENDS` (default "sqlite,postgresql") choose the runs;
`BENCH_DATAPATHS_PG` is the PostgreSQL server (a run without one skips it and says so). A
path that takes longer than `BENCH_DATAPATHS_BUDGET` seconds (default 120) is not run again
at the larger factors of that backend (the check-in planning of the daily jobs, today): its
growth comes from a run with a smaller scale. `BENCH_DATAPATHS_SKIP` lists paths not to run
at all (the start of their names, comma-separated).
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

from bench.datapaths_paths import (
    DAILY_JOBS,
    DataPath,
    best_pair,
    best_time,
    home_blocks,
    paths,
    planning_path,
    settle,
)
from bench.datapaths_seed import Sizes, seed
from bench.timing import Figure
from bot.core.kernel import utcnow
from bot.db import database_answers, make_engine, migrate

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FLAG_PATHS = (
    "flags: clock job (detect, episodes)",
    "flags: detection (follow_up_flags)",
    "flags: `agreements flags --json` (CLI)",
)


@dataclass(frozen=True)
class Row:
    path: str
    backend: str
    factor: float
    seconds: float
    baseline: float

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline if self.baseline else float("inf")


def _settings() -> tuple[float, list[float], list[str]]:
    scale = float(os.environ.get("BENCH_DATAPATHS_SCALE", "1"))
    factors = [float(f) for f in os.environ.get("BENCH_DATAPATHS_FACTORS", "1,2,4").split(",")]
    backends = os.environ.get("BENCH_DATAPATHS_BACKENDS", "sqlite,postgresql").split(",")
    return scale, factors, [b.strip() for b in backends if b.strip()]


@contextmanager
def database(backend: str) -> Iterator[tuple[Engine, str] | None]:
    """A fresh, migrated database and its URL; None when PostgreSQL is not there."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{Path(directory) / 'datapaths.db'}"
            engine = make_engine(url)
            migrate(engine)
            yield engine, url
            engine.dispose()
        return
    url = os.environ.get("BENCH_DATAPATHS_PG", PG_URL)
    probe = make_engine(url)
    answers = database_answers(probe)
    probe.dispose()
    if not answers:
        yield None
        return
    from tests.fakes.fanout import postgres_schema

    with postgres_schema(url, prefix="datapaths") as (engine, child_url):
        yield engine, child_url


def _budget() -> float:
    return float(os.environ.get("BENCH_DATAPATHS_BUDGET", "120"))


def _measure(
    engine: Engine, path: DataPath, backend: str, factor: float, slow: set[str]
) -> Row | None:
    """One path's best time and its baseline; None for a path that already took longer
    than the budget at a smaller factor on this backend (it is skipped, and says so)."""
    skipped = [p for p in os.environ.get("BENCH_DATAPATHS_SKIP", "").split(",") if p.strip()]
    if any(path.name.startswith(p.strip()) for p in skipped):
        print(f"  {path.name:<40} skipped: BENCH_DATAPATHS_SKIP")
        return None
    if path.name in slow:
        print(f"  {path.name:<40} skipped: over {_budget():g} s at a smaller factor")
        return None
    seconds, baseline = best_pair(engine, path)
    row = Row(path.name, backend, factor, seconds, baseline)
    if seconds > _budget():
        slow.add(path.name)
    print(
        f"  {path.name:<40} {seconds * 1e3:10.1f} ms  baseline {baseline * 1e3:9.1f} ms"
        f"  {row.ratio:6.1f}×",
        flush=True,
    )
    return row


def _together(rows: list[Row], backend: str, factor: float) -> list[Row]:
    """The daily jobs' sum, when every one of them was measured at this factor."""
    jobs = [r for r in rows if r.path.startswith("daily job:")]
    if len(jobs) < len(DAILY_JOBS):
        return []
    seconds, baseline = sum(r.seconds for r in jobs), sum(r.baseline for r in jobs)
    return [Row("daily jobs together", backend, factor, seconds, baseline)]


def one_run(backend: str, factor: float, scale: float, slow: set[str]) -> list[Row]:
    sizes = Sizes(factor * scale)
    with database(backend) as opened:
        if opened is None:
            print(f"{backend}: no server at {os.environ.get('BENCH_DATAPATHS_PG', PG_URL)}")
            return []
        engine, url = opened
        now = utcnow()
        started = time.perf_counter()
        seed(engine, sizes, now.date())
        print(
            f"\n{backend} {factor:g}×: {sizes.agreements:,} agreements, {sizes.checkins_sent:,}"
            f" sent check-ins, {sizes.moments:,} moments ahead, {sizes.respondents:,}"
            f" respondents; seeded in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        measured = [_measure(engine, planning_path(now), backend, factor, slow)]
        settle(engine, now)
        measured += [
            _measure(engine, path, backend, factor, slow) for path in paths(engine, url, now)
        ]
        shown, full = home_blocks(engine)
        print(f"  App Home: {shown} blocks in the view, {full} rendered for the page")
    rows = [r for r in measured if r is not None]
    return rows + _together(rows, backend, factor)


def table(rows: list[Row]) -> str:
    """The Markdown table for BENCHMARKS.md: growth is the time against the same path and
    backend at the smallest factor of the run."""
    first = {(r.path, r.backend): r for r in sorted(rows, key=lambda r: r.factor, reverse=True)}
    lines = [
        "| path | backend | scale | time | baseline | ratio | growth vs 1× (data ×) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r.path, r.backend, r.factor)):
        base = first[(r.path, r.backend)]
        growth = r.seconds / base.seconds if base.seconds else float("inf")
        lines.append(
            f"| {r.path} | {r.backend} | {r.factor:g}× | {_ms(r.seconds)} | {_ms(r.baseline)}"
            f" | {r.ratio:.1f}× | {growth:.2f}× ({r.factor / base.factor:g}×) |"
        )
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1e3:.1f} ms"


def verdict(rows: list[Row], scale: float) -> list[str]:
    """The issue's flags targets, per backend, at the full size (factor 1, scale 1)."""
    if scale != 1:
        return ["(the flags targets are judged at BENCH_DATAPATHS_SCALE=1 only)"]
    lines = []
    for r in rows:
        if r.path in FLAG_PATHS and r.factor == 1:
            met = r.seconds < 1 and r.ratio <= 2
            lines.append(
                f"{r.path} on {r.backend}: {r.seconds:.3f} s, {r.ratio:.2f}× the baseline"
                f" (target < 1 s and ≤ 2×: {'met' if met else 'NOT MET'})"
            )
    return lines


def warm_up() -> None:
    """Every path once on a tiny SQLite alliance, unmeasured: templates, catalogs and the
    statement cache are filled once per process, so no measured run pays for them."""
    with database("sqlite") as opened:
        assert opened is not None
        engine, url = opened
        now = utcnow()
        seed(engine, Sizes(0.01), now.date())
        for path in [planning_path(now), *paths(engine, url, now)]:
            best_time(engine, path.operation, 1)


def run() -> list[Figure]:
    scale, factors, backends = _settings()
    warm_up()
    rows: list[Row] = []
    for backend in backends:
        slow: set[str] = set()  # paths over the budget: not run again at larger factors
        for factor in factors:
            rows += one_run(backend, factor, scale, slow)
    print(f"\nscale {scale:g} (1 = 100,000 agreements at 1×)\n")
    print(table(rows))
    print("", *verdict(rows, scale), sep="\n")
    return [
        Figure(f"{r.path} ({r.backend}, {r.factor:g}×)", r.seconds, r.baseline, "per run")
        for r in rows
    ]
