"""Migrations and models agree, on SQLite and PostgreSQL, up and down."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlmodel import SQLModel

import bot.core.schema  # noqa: F401
from bot.db import alembic_config, migrate


def test_migrated_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, SQLModel.metadata)
    assert differences == []


def test_every_model_table_exists_after_migrate(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_downgrade_to_base_and_up_again(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())


def test_migrate_twice_is_harmless(engine: Engine) -> None:
    migrate(engine)
    with engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None


def test_upgrading_keeps_existing_agreements(engine: Engine) -> None:
    """0004 adds NOT NULL columns: rows made before it must survive the upgrade."""
    command.downgrade(alembic_config(engine), "0003")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO alliance (name, ambition, positioning, language, timezone,"
            " min_group_size, pulse_cadence, quiet_hours, weekly_cap, created_at, updated_at)"
            " VALUES ('A', '', 'endorsed', 'nl', 'Europe/Amsterdam', 3, 'biweekly',"
            " '21:00-08:00', 3, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            "INSERT INTO partner (alliance_id, key, name, constituency, active)"
            " VALUES (1, 'p', 'P', '', true)",
            "INSERT INTO agreement (alliance_id, key, text, owner_partner_id, made_on, due_on,"
            " created_at) VALUES (1, 'A1', 'x', 1, '2026-01-01', '2026-02-01', CURRENT_TIMESTAMP)",
        ):
            connection.execute(text(statement))
    migrate(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT status FROM agreement")).scalar_one() == "open"
