"""Engine creation and schema migrations.

Schema changes go through Alembic only (`alliancebot migrate`); tests use the same
migrations, so a migration that does not match the models fails a test rather than a deploy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_TIMEOUT_MS = 5000  # how long SQLite waits for another writer before giving up
WRITE_CHECK_TIMEOUT_MS = 1000  # how long the health check waits for a lock


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine that behaves alike on SQLite and PostgreSQL (foreign keys enforced).

    A file database runs in WAL mode: readers never wait for the writer and a commit is
    one append, so a burst of updates (each stored, then handled) queues for milliseconds
    rather than for fsyncs. `synchronous=NORMAL` is WAL's own recommendation: a power cut
    can lose the last commits, never corrupt the file."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        on_disk = bool(parsed.database) and parsed.database != ":memory:"
        if on_disk:
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas if on_disk else _sqlite_memory_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_memory_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_pragmas(dbapi_connection: Any, record: Any) -> None:
    _sqlite_memory_pragmas(dbapi_connection, record)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to `revision`."""
    command.upgrade(alembic_config(engine), revision)


class SchemaOutOfDateError(RuntimeError):
    """The database schema is older (or newer) than this version of the bot."""


def check_schema(engine: Engine) -> None:
    """Refuse to run on a schema this code does not match: say `alliancebot migrate`."""
    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current != heads:
        raise SchemaOutOfDateError(
            "The database schema is not up to date: run `alliancebot migrate` first."
        )


def database_answers(engine: Engine) -> bool:
    """Whether the database can be reached at all (a connection and a `SELECT 1`)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


def database_writable(engine: Engine, timeout_ms: int = WRITE_CHECK_TIMEOUT_MS) -> bool:
    """Whether the database takes a write now, within `timeout_ms`.

    A database that answers `SELECT 1` can still refuse every change the bot makes: an
    SQLite file locked by another process, a read-only file or mount, a PostgreSQL standby
    or a read-only transaction default. A health check that only reads would call such a
    bot healthy while every message fails, so this one writes: it sets the schema's
    version to itself inside a transaction that is rolled back (nothing changes), with a
    short lock wait (SQLite's busy timeout; PostgreSQL's lock and statement timeouts, set
    for this transaction only) so that a locked database answers in about a second."""
    sqlite = engine.dialect.name == "sqlite"
    wait = int(timeout_ms)
    try:
        with engine.connect() as connection:  # the first statement begins the transaction
            try:
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
                else:
                    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {wait}")
                    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {2 * wait}")
                connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
            finally:
                connection.rollback()
                if sqlite:
                    connection.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    except Exception:
        return False
    return True


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: committed when the block ends, rolled back whole on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
