"""The database of the inbound benchmark, and what it says after a run.

The demo alliance (with its months of history, as `alliancebot demo` builds it) on SQLite or
in a PostgreSQL schema of its own, plus `n` ambassadors with a Telegram and a Slack account
each, and a pulse round opened: the first minute of a round is what the benchmark replays.
After a run the database itself is asked what was stored: answers per person, inbox rows
per update, signals.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import col, func, select

from bot.core.alliance import get_alliance, load_alliance, read_alliance_file
from bot.core.attention import Signal
from bot.core.inbox import Inbound, InboundStatus
from bot.core.kernel import Identity, Person, Region
from bot.core.pulse import PulseAnswer, PulseQuestion
from bot.core.pulse.rounds import open_round
from bot.db import database_answers, make_engine, session_scope
from bot.demo.history import seed_history
from bot.demo.run import DEMO_FILE, build_demo_database, plan_demo_toolkit
from tests.fakes.fanout import postgres_schema

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIRST_TELEGRAM = 820_000_000


def slack_id(n: int) -> str:
    return f"UBENCH{n:05d}"


@dataclass(frozen=True)
class Population:
    """The benchmark's ambassadors (index n: Telegram id, Slack id, person id) and the
    round's first two scale questions (Telegram presses the first, Slack the second)."""

    telegram: list[int]
    slack: list[str]
    person_ids: list[int]
    energy: int
    trust: int


# ------------------------------------------------------------------------ databases --
@contextmanager
def sqlite_database(directory: Path) -> Iterator[tuple[Engine, str]]:
    """The demo database as `alliancebot demo` builds it (a file, WAL mode)."""
    url = build_demo_database(directory)
    engine = make_engine(url)
    try:
        yield engine, url
    finally:
        engine.dispose()


def postgres_reachable(url: str) -> bool:
    engine = make_engine(url, connect_args={"connect_timeout": 5})
    try:
        return database_answers(engine)
    finally:
        engine.dispose()


@contextmanager
def postgres_database(url: str) -> Iterator[tuple[Engine, str]]:
    """The same demo in a fresh schema of its own (dropped afterwards); nothing else in
    that database is touched."""
    with postgres_schema(url, prefix="bench_inbound") as (engine, child_url):
        fill_demo(engine)
        yield engine, child_url


def fill_demo(engine: Engine) -> None:
    """What `build_demo_database` does after migrating, in a database of our choosing."""
    document = read_alliance_file(DEMO_FILE)
    with session_scope(engine) as session:
        load_alliance(session, document, DEMO_FILE.parent)
        alliance = get_alliance(session)
        seed_history(session, alliance, date.today())
        plan_demo_toolkit(session, alliance, date.today())


def populate(engine: Engine, count: int) -> Population:
    """`count` ambassadors with a Telegram and a Slack account each, and a round open."""
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        region = session.exec(select(Region).order_by(col(Region.id))).first()
        assert region is not None, "the demo has regions"
        people = [
            Person(
                alliance_id=alliance.id or 0,
                key=f"bench{n}",
                name=f"Ambassadeur {n}",
                roles="ambassador",
                region_id=region.id,
            )
            for n in range(count)
        ]
        session.add_all(people)
        session.flush()
        for n, person in enumerate(people):
            for platform, account in (
                ("telegram", str(FIRST_TELEGRAM + n)),
                ("slack", slack_id(n)),
            ):
                session.add(
                    Identity(person_id=person.id or 0, platform=platform, external_id=account)
                )
        pulse = open_round(session, alliance).round
        questions = dict(
            session.exec(
                select(PulseQuestion.key, PulseQuestion.id).where(
                    PulseQuestion.round_id == pulse.id
                )
            ).all()
        )
    return Population(
        telegram=[FIRST_TELEGRAM + n for n in range(count)],
        slack=[slack_id(n) for n in range(count)],
        person_ids=[p.id or 0 for p in people],
        energy=questions["energy"] or 0,
        trust=questions["trust"] or 0,
    )


# ------------------------------------------------------------------------- outcome --
def pending(engine: Engine, platform: str) -> int:
    with session_scope(engine) as session:
        return session.exec(
            select(func.count())
            .select_from(Inbound)
            .where(Inbound.platform == platform, Inbound.status == InboundStatus.PENDING)
        ).one()


def wait_until_handled(engine: Engine, platform: str, timeout: float = 180.0) -> float:
    """Poll until the platform's inbox has no pending row; seconds waited (inf: timed out)."""
    start = time.monotonic()
    while pending(engine, platform):
        if time.monotonic() - start > timeout:
            return float("inf")
        time.sleep(0.1)
    return time.monotonic() - start


@dataclass(frozen=True)
class Stored:
    """What the database holds for a scenario: `rows` of the effect for `people` distinct
    people (or texts), `inbox` rows for `keys` distinct update keys, and their statuses."""

    rows: int
    people: int
    inbox: int = 0
    keys: int = 0
    statuses: tuple[tuple[str, int], ...] = ()


def answers(
    engine: Engine, question: int, person_ids: list[int], platform: str, keys: list[str]
) -> Stored:
    """Answers to `question` by these people, and the inbox rows of these updates."""
    with session_scope(engine) as session:
        people = session.exec(
            select(PulseAnswer.person_id).where(
                PulseAnswer.question_id == question, col(PulseAnswer.person_id).in_(person_ids)
            )
        ).all()
    return Stored(len(people), len(set(people)), *inbox_rows(engine, platform, keys))


def signals(engine: Engine, marker: str, platform: str, keys: list[str]) -> Stored:
    """Signals whose text carries `marker`: rows and distinct texts; the inbox rows."""
    with session_scope(engine) as session:
        texts = session.exec(select(Signal.text).where(col(Signal.text).contains(marker))).all()
    return Stored(len(texts), len(set(texts)), *inbox_rows(engine, platform, keys))


def inbox_only(engine: Engine, platform: str, keys: list[str]) -> Stored:
    """For requests whose only trace is their inbox row (a command that is answered)."""
    rows, distinct, statuses = inbox_rows(engine, platform, keys)
    return Stored(rows, distinct, rows, distinct, statuses)


def inbox_rows(
    engine: Engine, platform: str, keys: list[str]
) -> tuple[int, int, tuple[tuple[str, int], ...]]:
    """Rows stored under these keys, how many keys have one, and the rows' statuses."""
    with session_scope(engine) as session:
        rows = session.exec(
            select(Inbound.key, Inbound.status).where(
                Inbound.platform == platform, col(Inbound.key).in_(keys)
            )
        ).all()
    statuses: dict[str, int] = {}
    for _key, status in rows:
        statuses[status] = statuses.get(status, 0) + 1
    return len(rows), len({key for key, _ in rows}), tuple(sorted(statuses.items()))
