"""Shared fixtures: migrated databases (SQLite always, PostgreSQL when configured).

PostgreSQL tests use `TEST_DATABASE_URL`; each test gets its own database, copied from one
migrated once per run and dropped afterwards.
Without the variable they skip, except under `CI=true`, where a skip would hide a broken
PostgreSQL path and therefore fails.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import DBAPIError

from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import load_alliance
from bot.db import make_engine, migrate, session_scope

DEMO_FILE = Path(__file__).parents[1] / "bot" / "demo" / "alliance.toml"


def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("TEST_DATABASE_URL is not set under CI=true: PostgreSQL tests must run")
        pytest.skip("PostgreSQL tests need TEST_DATABASE_URL")
    return url


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated once per run; each test gets a copy (migrating is the
    slowest part of a small test, and the migrations have their own tests)."""
    path = tmp_path_factory.mktemp("template") / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_engine(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Engine]:
    copy = tmp_path / "test.db"
    shutil.copyfile(migrated_sqlite, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[str | None]:
    """A database migrated once per run, the template each PostgreSQL test's database is
    copied from (CREATE DATABASE … TEMPLATE: a file copy, much faster than migrating).
    None where the user may not create databases: tests then get a migrated schema each."""
    url = make_url(postgres_url())
    name = f"tmpl_{secrets.token_hex(6)}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except DBAPIError:
        admin.dispose()
        yield None
        return
    template = make_engine(url.set(database=name).render_as_string(hide_password=False))
    migrate(template)
    template.dispose()
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_engine(migrated_postgres: str | None) -> Iterator[Engine]:
    if migrated_postgres is None:
        yield from _postgres_schema()
        return
    url = make_url(postgres_url())
    name = f"t_{secrets.token_hex(6)}"
    admin = make_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_postgres}"'))
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _postgres_schema() -> Iterator[Engine]:
    """A schema of its own, migrated: slower than a template copy, needs no CREATEDB."""
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
