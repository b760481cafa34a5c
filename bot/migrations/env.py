"""Alembic environment: runs against the engine handed in by `bot.db.migrate`."""

from __future__ import annotations

from alembic import context
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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
