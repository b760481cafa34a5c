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
BUSY_TIMEOUT_MS = 5000  # how long a writer waits for another one before it gives up


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
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
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
