"""Alembic environment: runs against the engine handed in by `bot.db.migrate`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import bot.core.schema  # noqa: F401  (registers the tables on SQLModel.metadata)
from bot.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            from bot.settings import load_settings

            url = load_settings().database_url
        engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # batch mode rebuilds a SQLite table by copy, drop and rename; a table that other
            # rows refer to (delivery, by toolkit feedback) cannot be dropped while foreign
            # keys are enforced. The pragma only takes effect outside a transaction: here.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # (ends SQLAlchemy's autobegun transaction; nothing to write)
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")  # the pooled connection
            connection.commit()


def _check_foreign_keys(connection: Connection) -> None:
    """What enforcement would have caught while it was off: fail the migration instead."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migrations left rows with dangling foreign keys: {broken[:5]}")


run_migrations_online()
