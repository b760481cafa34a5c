"""Upgrading a database written by the previous release (schema 0006) loses nothing.

`fixtures/release-0006.db` was written by the release before the delivery subject columns
(see `fixtures/make_release_0006.py`): the demo alliance with deliveries of every kind in
several statuses. Migrating it to head must keep every row of every table with the same
values, fill the new subject columns with what the old dedupe keys said, and a downgrade
to 0006 must give the old table back. On PostgreSQL the same rows are first copied into a
database at 0006, so the back-fill runs there too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.migration import MigrationContext
from sqlalchemy import Engine, MetaData, Table, select, text

from bot.db import alembic_config, make_engine, migrate

FIXTURE = Path(__file__).parent / "fixtures" / "release-0006.db"
SUBJECTS = (
    "agreement_id",
    "agenda_item_id",
    "snippet_key",
    "round_id",
    "proposal_id",
    "house_version_id",
    "partner_id",
    "flag_id",
    "signal_id",
)
Rows = dict[str, list[dict[str, Any]]]


@pytest.fixture
def previous_release(tmp_path: Path) -> Iterator[Engine]:
    copy = tmp_path / "release-0006.db"
    shutil.copyfile(FIXTURE, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()


def _normal(value: Any) -> Any:
    """One form for both databases: aware times in UTC, without the zone."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def snapshot(engine: Engine, columns: dict[str, list[str]] | None = None) -> Rows:
    """Every row of every table (only `columns` of each, when given), ordered by key."""
    metadata = MetaData()
    metadata.reflect(engine)
    rows: Rows = {}
    with engine.connect() as connection:
        for name, table in metadata.tables.items():
            if name == "alembic_version" or (columns is not None and name not in columns):
                continue
            wanted = columns[name] if columns is not None else list(table.c.keys())
            query = select(*(table.c[c] for c in wanted)).order_by(*table.primary_key.columns)
            rows[name] = [
                {k: _normal(v) for k, v in row._mapping.items()}
                for row in connection.execute(query)
            ]
    return rows


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _copy_rows(source: Engine, target: Engine) -> None:
    """The fixture's rows into a PostgreSQL database at 0006, parents before children."""
    metadata = MetaData()
    metadata.reflect(source)
    into = MetaData()
    into.reflect(target)
    with source.connect() as reading, target.begin() as writing:
        for table in metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            target_table: Table = into.tables[table.name]
            rows = [
                {k: _aware(v, target_table.c[k]) for k, v in row._mapping.items()}
                for row in reading.execute(select(table))
            ]
            if rows:
                writing.execute(target_table.insert(), rows)


def _aware(value: Any, column: Any) -> Any:
    """SQLite hands back naive UTC times; PostgreSQL's columns keep the zone."""
    if isinstance(value, datetime) and value.tzinfo is None and column.type.timezone:
        return value.replace(tzinfo=UTC)
    return value


def expected_subject(kind: str, key: str, versions: dict[int, int]) -> dict[str, Any]:
    """What the old key said, written out per planner (the test's own reading of it)."""
    prefix, _, rest = key.partition(":")
    parts = rest.split(":")
    found: dict[str, Any] = dict.fromkeys(SUBJECTS)
    numbered = {
        ("checkin", "checkin"): "agreement_id",
        ("help", "notice"): "agreement_id",
        ("pulse", "pulse"): "round_id",
        ("pulse-reminder", "reminder"): "round_id",
        ("pulse-heard", "notice"): "round_id",
        ("pulse-report", "notice"): "round_id",
        ("flag", "flag"): "flag_id",
        ("signal", "signal"): "signal_id",
    }
    if (prefix, kind) in numbered:
        found[numbered[(prefix, kind)]] = int(parts[0])
    elif (prefix, kind) == ("snippet", "snippet"):
        found.update(agenda_item_id=int(parts[0]), snippet_key=parts[1])
    elif (prefix, kind) == ("house", "house") and parts[0].startswith("v"):
        found["house_version_id"] = versions[int(parts[0][1:])]
    elif (prefix, kind) == ("house", "house"):
        found["proposal_id"] = int(parts[0])
        if parts[1] == "objection":
            found["partner_id"] = int(parts[2])
    return found


def check_upgrade(engine: Engine, before: Rows) -> None:
    old_columns = {name: list(rows[0]) for name, rows in before.items() if rows}
    assert snapshot(engine, old_columns) == {k: v for k, v in before.items() if v}
    after = snapshot(engine)
    versions = {v["version"]: v["id"] for v in after["houseversion"]}
    kinds: set[str] = set()
    for delivery in after["delivery"]:
        kinds.add(delivery["kind"])
        wanted = expected_subject(delivery["kind"], delivery["dedupe_key"], versions)
        assert {c: delivery[c] for c in SUBJECTS} == wanted, delivery["dedupe_key"]
        image = "pulse-report.png" if delivery["image"] is not None else None
        assert delivery["image_name"] == image and delivery["chart"] is None
    # the fixture holds every kind of delivery the previous release planned
    assert kinds >= {"checkin", "snippet", "pulse", "reminder", "house", "flag", "signal"}
    assert kinds >= {"notice", "digest"}


def check_downgrade(engine: Engine, before: Rows) -> None:
    command.downgrade(alembic_config(engine), "0006")
    assert _revision(engine) == "0006"
    assert snapshot(engine) == before


def test_the_fixture_is_the_previous_release(previous_release: Engine) -> None:
    assert _revision(previous_release) == "0006"
    with previous_release.connect() as connection:
        columns = {r[1] for r in connection.execute(text("PRAGMA table_info(delivery)"))}
    assert not columns & set(SUBJECTS)


def test_upgrading_the_previous_release_on_sqlite(previous_release: Engine) -> None:
    before = snapshot(previous_release)
    migrate(previous_release)
    assert _revision(previous_release) != "0006"
    check_upgrade(previous_release, before)
    check_downgrade(previous_release, before)
    migrate(previous_release)  # and up again
    check_upgrade(previous_release, before)


def test_upgrading_the_previous_release_on_postgresql(
    previous_release: Engine, postgres_engine: Engine
) -> None:
    command.downgrade(alembic_config(postgres_engine), "0006")
    _copy_rows(previous_release, postgres_engine)
    before = snapshot(postgres_engine)
    assert before == snapshot(previous_release)
    migrate(postgres_engine)
    check_upgrade(postgres_engine, before)
    check_downgrade(postgres_engine, before)


def test_keys_that_name_nothing_leave_the_subject_empty(engine: Engine) -> None:
    """Keys of a known form whose rows are gone, or of no known form: no failed upgrade."""
    command.downgrade(alembic_config(engine), "0006")
    odd = [
        ("checkin", "checkin:41:due:1"),  # no such agreement
        ("checkin", "checkin:x:due:1"),
        ("snippet", "snippet:"),
        ("house", "house:v9:1"),  # no such version
        ("house", "house:ask"),
        ("flag", "flag:"),
        ("signal", "signal:-1"),
        ("notice", "pulse-report:٣"),  # a digit, but not one we wrote
        ("digest", ""),
    ]
    with engine.begin() as connection:
        for number, (kind, key) in enumerate(odd):
            connection.execute(
                text(
                    "INSERT INTO delivery (dedupe_key, kind, platform, body, due_at, urgent,"
                    " held_back, status, attempts, created_at) VALUES (:key, :kind, 'slack',"
                    " '', CURRENT_TIMESTAMP, false, false, 'pending', 0, CURRENT_TIMESTAMP)"
                ),
                {"key": key or f"empty-{number}", "kind": kind},
            )
    migrate(engine)
    with engine.connect() as connection:
        any_subject = " OR ".join(f"{column} IS NOT NULL" for column in SUBJECTS)
        filled = connection.execute(
            text(f"SELECT count(*) FROM delivery WHERE {any_subject}")
        ).scalar_one()
    assert filled == 0
