"""Workers as real processes: killed mid fan-out, and two at once on PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from pathlib import Path

from sqlmodel import Session, col, func, select

from bot.core.outbox.models import Delivery
from bot.db import make_engine, migrate
from tests.conftest import postgres_url
from tests.fakes.fanout import (
    postgres_schema,
    seed_deliveries,
    seed_people,
    start_worker,
    status_counts,
)
from tests.fakes.telegram_api import FakeBotApi, Rules

FAST = {
    "TELEGRAM_MESSAGES_PER_SECOND": "300",
    "WORKER_POLL_SECONDS": "0.1",
    "WORKER_LEASE_SECONDS": "1",
    "WORKER_IN_FLIGHT": "4",  # the duplicates a kill may cause: at most this many
}
IN_FLIGHT = 4


def _wait_for(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_worker_killed_mid_fan_out_loses_nothing_and_repeats_at_most_its_in_flight(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_deliveries(engine, seed_people(engine, 120), "kill", 120)
    with FakeBotApi(Rules(per_second=10_000, delay=0.03)) as api:
        assert isinstance(api, FakeBotApi)
        worker = start_worker(url, api.base_url, "worker", **FAST)
        try:
            _wait_for(lambda: len(api.sent) >= 40, timeout=60)
            worker.send_signal(signal.SIGKILL)  # in the middle of the fan-out, no goodbye
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        sent_before_restart = len(api.sent)
        assert sent_before_restart < 120, "the kill came too late to test anything"
        time.sleep(1.5)  # the dead worker's lease runs out
        restarted = start_worker(url, api.base_url, **FAST)
        _out, errors = restarted.communicate(timeout=120)
        assert restarted.returncode == 0, errors
        chats = Counter(m.chat_id for m in api.sent)
    assert len(chats) == 120, "every ambassador got the message"
    duplicated = [c for c, n in chats.items() if n > 1]
    assert sum(chats.values()) - 120 <= IN_FLIGHT, f"duplicates: {duplicated}"
    assert status_counts(engine) == {"sent": 120}
    engine.dispose()


def test_two_workers_on_postgresql_send_1000_deliveries_without_duplicates() -> None:
    with postgres_schema(postgres_url()) as (engine, url):
        seed_deliveries(engine, seed_people(engine, 1000), "two", 1000)
        with FakeBotApi(Rules(per_second=10_000)) as api:
            assert isinstance(api, FakeBotApi)
            workers = [start_worker(url, api.base_url, **FAST) for _ in range(2)]
            for worker in workers:
                _out, errors = worker.communicate(timeout=180)
                assert worker.returncode == 0, errors
            chats = Counter(m.chat_id for m in api.sent)
        assert len(chats) == 1000
        assert max(chats.values()) == 1, "no ambassador got the message twice"
        assert status_counts(engine) == {"sent": 1000}
        with Session(engine) as session:
            per_worker = session.exec(
                select(func.count()).select_from(Delivery).group_by(col(Delivery.claimed_by))
            ).all()
        assert len(per_worker) == 2 and min(per_worker) > 100, "both workers took their share"


def test_dispatch_once_with_nothing_due_exits_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    migrate(make_engine(url))
    with FakeBotApi() as api:
        assert isinstance(api, FakeBotApi)
        started = time.monotonic()
        process = start_worker(url, api.base_url)
        output, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert "nothing was due" in output
    assert time.monotonic() - started < 30
    assert os.path.exists(tmp_path / "empty.db")
