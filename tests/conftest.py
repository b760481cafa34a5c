"""Shared fixtures: migrated databases (SQLite always, PostgreSQL when configured).

PostgreSQL tests use `TEST_DATABASE_URL`; each test gets its own schema, dropped afterwards.
Without the variable they skip, except under `CI=true`, where a skip would hide a broken
PostgreSQL path and therefore fails.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.core.alliance import load_alliance
from bot.core.alliance_file import read_alliance_file
from bot.db import make_engine, migrate, session_scope

DEMO_FILE = Path(__file__).parents[1] / "bot" / "demo" / "alliance.toml"


def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("TEST_DATABASE_URL is not set under CI=true: PostgreSQL tests must run")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    return url


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    url = postgres_url()
    schema = f"t_{secrets.token_hex(6)}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on both databases."""
    name = "sqlite_engine" if request.param == "sqlite" else "postgres_engine"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture
def demo_engine(engine: Engine) -> Engine:
    """The demo alliance file loaded (no history), on SQLite and on PostgreSQL."""
    with session_scope(engine) as session:
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
    return engine
