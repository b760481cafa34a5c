"""The demo: a believable alliance with history, reachable by web and console."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.core.attention.models import Signal
from bot.core.followup.models import Agreement
from bot.core.kernel.models import Partner, Person, Region
from bot.core.pulse.models import PulseAnswer, PulseRound
from bot.db import make_engine
from bot.demo.run import build_demo_database


def test_demo_database_holds_months_of_history(tmp_path: Path) -> None:
    engine = make_engine(build_demo_database(tmp_path, today=date(2026, 11, 22)))
    with Session(engine) as session:
        partners = session.exec(select(func.count()).select_from(Partner)).one()
        regions = session.exec(select(func.count()).select_from(Region)).one()
        people = session.exec(select(Person)).all()
        rounds = session.exec(select(PulseRound).order_by(col(PulseRound.opened_at))).all()
        answers = session.exec(select(func.count()).select_from(PulseAnswer)).one()
        agreements = session.exec(select(Agreement)).all()
        signals = session.exec(select(func.count()).select_from(Signal)).one()
    assert 5 <= partners <= 8
    assert regions == 3
    assert {"adviser", "ambassador", "partner"} <= {r for p in people for r in p.role_set}
    assert len(rounds) >= 10
    assert (rounds[-1].opened_at.date() - rounds[0].opened_at.date()).days >= 150
    assert all(r.closed_at is not None for r in rounds)
    assert answers > 10 * len(rounds)
    assert len(agreements) >= 40
    assert any(a.done_on is None for a in agreements)
    assert signals >= 3
    engine.dispose()


def test_demo_is_deterministic(tmp_path: Path) -> None:
    day = date(2026, 11, 22)
    first = make_engine(build_demo_database(tmp_path / "a", today=day))
    second = make_engine(build_demo_database(tmp_path / "b", today=day))
    query = select(PulseAnswer.value).order_by(col(PulseAnswer.id))
    with Session(first) as one, Session(second) as two:
        assert one.exec(query).all() == two.exec(query).all()


def test_make_demo_command_shows_the_house_and_serves_the_web_app(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PORT": "0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'untouched.db'}",
        "ALLIANCEBOT_DEMO_MARKER": str(tmp_path / "demo.json"),  # joins no demo running here
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None and process.stdin is not None
    started = time.monotonic()
    url = None
    for line in process.stdout:
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
        if match:
            url = match.group(1)
            break
    assert url is not None, "the demo did not announce its web app"
    health = _get_when_up(f"{url}/healthz")
    assert health.status_code == 200
    output, errors = process.communicate("kernboodschap\nquit\n", timeout=60)
    assert process.returncode == 0, errors
    assert "Kernboodschap van Alliantie Langer Thuis Rivierenland" in output
    assert time.monotonic() - started < 60
    assert not (tmp_path / "untouched.db").exists(), "the demo uses its own throwaway database"


def _get_when_up(url: str) -> httpx.Response:
    deadline = time.monotonic() + 20
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize("offset", [0, 5, 11])
def test_the_demo_shows_the_housing_corporations_slipping_follow_up(
    tmp_path: Path, offset: int
) -> None:
    from bot.core.alliance.load import get_alliance
    from bot.core.followup.detection import follow_up_flags

    today = date(2026, 11, 22) + timedelta(days=offset)
    engine = make_engine(build_demo_database(tmp_path, today=today))
    with Session(engine) as session:
        flags = follow_up_flags(session, get_alliance(session), today)
    assert [(f.level, f.key) for f in flags] == [("partner", "woonkracht")]
    engine.dispose()
