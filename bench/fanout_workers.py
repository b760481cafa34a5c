"""Worker processes and databases of the fan-out benchmark.

Workers run as in production: `python -m bot dispatch --once` subprocesses with the default
settings (pace 29 msg/s, `WORKER_IN_FLIGHT` sends on their way, 5 s lease). Each is reaped
with `wait4`, which gives that process's own peak RSS; a killed one too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import Engine
from sqlmodel import col, func, select

from bench.fanout_case import Kill, RecordingBotApi, WorkerRun, load_average
from bot.core.outbox import Delivery
from bot.db import database_answers, make_engine, migrate, session_scope
from bot.settings import Settings
from tests.fakes import fanout

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MIB = 1024.0  # ru_maxrss is in KiB on Linux
IN_FLIGHT = int(Settings.model_fields["worker_in_flight"].default)


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


def postgres_url() -> str | None:
    """`TEST_DATABASE_URL` or a local default, when that server answers."""
    url = os.environ.get("TEST_DATABASE_URL") or DEFAULT_POSTGRES
    engine = make_engine(url, connect_args={"connect_timeout": 5})
    try:
        return url if database_answers(engine) else None
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


def _reap(worker: Launched, started: float, block: bool) -> WorkerRun | None:
    pid, status, usage = os.wait4(worker.process.pid, 0 if block else os.WNOHANG)
    if not pid:
        return None
    code = os.waitstatus_to_exitcode(status)
    worker.process.returncode = code
    cpu = usage.ru_utime + usage.ru_stime
    return WorkerRun(
        code, usage.ru_maxrss / MIB, time.monotonic() - started, worker.output(), cpu=cpu
    )


def kill(worker: Launched, started: float) -> WorkerRun:
    """SIGKILL, as an out-of-memory killer or a pulled plug would: nothing is cleaned up."""
    os.kill(worker.process.pid, signal.SIGKILL)
    run = _reap(worker, started, block=True)
    assert run is not None
    run.killed = True
    return run


def wait_workers(workers: list[Launched], started: float, timeout: float) -> list[WorkerRun]:
    """Reap every worker (killing what is left after `timeout`), in launch order."""
    done: dict[int, WorkerRun] = {}
    while len(done) < len(workers):
        for worker in workers:
            if worker.process.pid not in done:
                run = _reap(worker, started, block=False)
                if run is not None:
                    done[worker.process.pid] = run
        if len(done) < len(workers):
            if time.monotonic() - started > timeout:
                for worker in workers:
                    if worker.process.pid not in done:
                        worker.process.kill()
            time.sleep(0.1)
    return [done[worker.process.pid] for worker in workers]


@dataclass
class Driven:
    """The workers of one fan-out, reaped: the killed one first (if any)."""

    runs: list[WorkerRun]
    started: float
    load: str  # the load average when they were launched
    kill: Kill | None


def drive(
    url: str, api: RecordingBotApi, n: int, workers: int, kill_at: float | None = None
) -> Driven:
    """Launch the workers and reap them; with `kill_at`, kill the first once the fake has
    accepted that fraction of the `n` messages, and start another in its place at once."""
    load = load_average()
    started = time.monotonic()
    launched = [start_worker(url, api.base_url) for _ in range(workers)]
    runs: list[WorkerRun] = []
    event = None
    if kill_at is not None:
        while len(api.sent) < n * kill_at and time.monotonic() - started < n / 10 + 60:
            time.sleep(0.02)
        killed_at = time.monotonic()
        runs.append(kill(launched.pop(0), started))
        launched.append(start_worker(url, api.base_url))
        event = Kill(killed_at, time.monotonic(), IN_FLIGHT)
    runs += wait_workers(launched, started, timeout=n / 5 + 180)
    return Driven(runs, started, load, event)
