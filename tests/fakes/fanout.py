"""A fan-out in a fresh database: many ambassadors, one due delivery each.

Shared by the crash-safety tests and the fan-out benchmark, so both measure the same thing.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, func, select

from bot.core.kernel.models import Alliance, Identity, Person, utcnow
from bot.core.outbox.models import Delivery
from bot.db import make_engine, migrate, session_scope
from tests.fakes.telegram_api import TOKEN

ROOT = Path(__file__).resolve().parents[2]
CHAT_BASE = 900_000_000


def seed_people(engine: Engine, n: int) -> int:
    """One alliance without quiet hours, `n` ambassadors with a Telegram account each."""
    with session_scope(engine) as session:
        alliance = Alliance(name="Fan-out", quiet_hours="00:00-00:00", weekly_cap=1000)
        session.add(alliance)
        session.flush()
        alliance_id = alliance.id or 0
        people = [
            Person(
                alliance_id=alliance_id, key=f"amb{i}", name=f"Ambassador {i}", roles="ambassador"
            )
            for i in range(n)
        ]
        session.add_all(people)
        session.flush()
        session.add_all(
            Identity(person_id=p.id or 0, platform="telegram", external_id=str(CHAT_BASE + i))
            for i, p in enumerate(people)
        )
    return alliance_id


def seed_deliveries(engine: Engine, alliance_id: int, prefix: str, n: int) -> None:
    """`n` deliveries due now, one to each of the first `n` ambassadors."""
    with session_scope(engine) as session:
        ids = dict(
            session.exec(
                select(Person.key, Person.id).where(Person.alliance_id == alliance_id)
            ).all()
        )
        now = utcnow()
        session.add_all(
            Delivery(
                alliance_id=alliance_id,
                dedupe_key=f"{prefix}:{i}",
                kind="pulse",
                person_id=ids[f"amb{i}"],
                platform="telegram",
                body="<p>Hallo</p>",
                due_at=now,
            )
            for i in range(n)
        )


def status_counts(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        return dict(
            session.exec(select(Delivery.status, func.count()).group_by(col(Delivery.status))).all()
        )


@contextmanager
def postgres_schema(url: str, prefix: str = "fan") -> Iterator[tuple[Engine, str]]:
    """A fresh schema (dropped afterwards), and the URL a subprocess reaches it with."""
    schema = f"{prefix}_{secrets.token_hex(6)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    child_url = (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        migrate(engine)
        yield engine, child_url
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_worker(
    database_url: str,
    api_url: str,
    *args: str,
    output: int | IO[bytes] = subprocess.PIPE,
    **settings: str,
) -> subprocess.Popen[str]:
    """`alliancebot <args>` (default `dispatch --once`) as its own process, sending to a fake.

    `output` receives stdout and stderr (a pipe by default; a file for long runs, so that a
    chatty worker never blocks on a full pipe)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database_url,
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_URL=api_url,
        **settings,
    )
    return subprocess.Popen(
        [sys.executable, "-m", "bot", *(args or ("dispatch", "--once"))],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=output,
        text=True,
    )
