"""Times on the command line: text in the alliance's zone, JSON with its offset.

A calendar with an all-day members' meeting and a board meeting at 19:00 Amsterdam time:
`agenda list` used to print the board meeting as `…T18:00` and `toolkit plan --json` the
members' meeting as the day before, 23:00 UTC.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner, Result

from bot.adapters.console import Conversation
from bot.cli import app
from bot.db import make_engine
from tests.core.toolkit.test_plan import calendar, vevent

AMS = ZoneInfo("Europe/Amsterdam")
UTC_OFFSET = re.compile(r"(\+00:00|Z)$")
runner = CliRunner()


def run(env: dict[str, str], *args: str) -> Result:
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


def as_json(env: dict[str, str], *args: str) -> Any:
    return json.loads(run(env, *args, "--json").stdout)


def offset_of(day: date, hour: int = 0) -> str:
    """The Amsterdam offset on that day (+01:00 in winter, +02:00 in summer)."""
    return datetime.combine(day, time(hour), tzinfo=AMS).isoformat()[-6:]


@pytest.fixture
def days() -> tuple[date, date]:
    today = datetime.now(AMS).date()
    return today + timedelta(days=20), today + timedelta(days=27)


@pytest.fixture
def with_calendar(env: dict[str, str], tmp_path: Path, days: tuple[date, date]) -> dict[str, str]:
    members, board = days
    path = tmp_path / "agenda.ics"
    path.write_bytes(
        calendar(
            vevent("leden@woonkracht.test", members, "Ledenvergadering", categories="leden"),
            vevent(
                "bestuur@woonkracht.test",
                datetime.combine(board, time(19, 0)),
                "Bestuursvergadering",
                categories="bestuur",
            ),
        )
    )
    run(env, "agenda", "import", "woonkracht", str(path))
    return env


def test_agenda_list_json_all_day_and_evening(
    with_calendar: dict[str, str], days: tuple[date, date]
) -> None:
    members, board = days
    rows = {r["title"]: r for r in as_json(with_calendar, "agenda", "list")}
    all_day = rows["Ledenvergadering"]
    assert all_day["starts_at"] == f"{members.isoformat()}T00:00:00{offset_of(members)}"
    assert all_day["all_day"] is True and all_day["date"] == members.isoformat()
    evening = rows["Bestuursvergadering"]
    assert evening["starts_at"] == f"{board.isoformat()}T19:00:00{offset_of(board, 19)}"
    assert evening["ends_at"] == f"{board.isoformat()}T21:00:00{offset_of(board, 21)}"
    assert evening["all_day"] is False
    for row in rows.values():
        assert not UTC_OFFSET.search(row["starts_at"])


def test_agenda_list_text_is_local(with_calendar: dict[str, str], days: tuple[date, date]) -> None:
    members, board = days
    text = run(with_calendar, "agenda", "list").stdout
    assert f"{board.isoformat()} 19:00" in text
    assert re.search(rf"^{members.isoformat()}\s+woonkracht\s+members", text, re.M), text
    assert "T18:00" not in text and "T17:00" not in text


def test_toolkit_plan_json_gives_the_moment_s_own_date(
    with_calendar: dict[str, str], days: tuple[date, date]
) -> None:
    members, board = days
    rows = as_json(with_calendar, "toolkit", "plan")
    by_item = {r["agenda_item"]: r for r in rows}
    assert {"Ledenvergadering", "Bestuursvergadering"} <= set(by_item), rows
    meeting = by_item["Ledenvergadering"]
    assert meeting["agenda_start"].startswith(f"{members.isoformat()}T00:00:00")
    assert meeting["all_day"] is True and meeting["date"] == members.isoformat()
    assert by_item["Bestuursvergadering"]["agenda_start"].startswith(f"{board}T19:00:00")
    for row in rows:
        assert not UTC_OFFSET.search(row["agenda_start"]) and not UTC_OFFSET.search(row["send_at"])
        assert "T09:00:00" in row["send_at"]  # sent in the morning, as the plan says
    text = run(with_calendar, "toolkit", "plan").stdout
    assert f"({members.isoformat()})" in text and " 09:00 " in text


def test_pulse_and_signals_json_carry_the_offset(env: dict[str, str]) -> None:
    engine = make_engine(env["DATABASE_URL"])
    try:
        Conversation(engine, "gerda").answer("signaal De bibliotheek zoekt vrijwilligers")
    finally:
        engine.dispose()
    opened = as_json(env, "pulse", "open")
    assert not UTC_OFFSET.search(opened["opened_at"]) and opened["closes_at"][-6:] in (
        "+01:00",
        "+02:00",
    )
    run(env, "pulse", "close")
    for pulse_round in as_json(env, "pulse", "report")["rounds"]:
        assert pulse_round["opened_at"][-6:] in ("+01:00", "+02:00")
        assert pulse_round["closed_at"][-6:] in ("+01:00", "+02:00")
    signals = as_json(env, "signals", "list")
    assert signals and all(s["created_at"][-6:] in ("+01:00", "+02:00") for s in signals)
