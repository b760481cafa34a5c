"""`alliancebot jobs list` / `jobs run NAME [--as-of]`: the clock's jobs, by hand."""

from __future__ import annotations

import json
from datetime import datetime

from sqlmodel import Session, func, select
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.core.agenda.models import AgendaItem
from bot.core.outbox.models import Delivery
from bot.core.pulse.models import PulseRound
from bot.db import make_engine

NAMES = [
    "pulse_open",
    "checkins",
    "flags",
    "pulse_close",
    "agendas",
    "digest",
    "harvest",
    "inbox",
    "needs",
]
runner = CliRunner()


def run(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, ["jobs", *args], env=env)


def count(env: dict[str, str], model: type) -> int:
    engine = make_engine(env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            return session.exec(select(func.count()).select_from(model)).one()
    finally:
        engine.dispose()


def test_list_names_every_job_first_then_its_cadence(env: dict[str, str]) -> None:
    result = run(env, "list")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == NAMES
    assert lines[0].split()[1:4] == ["biweekly", "mon", "09:30"]  # the alliance file's cadence
    assert lines[1].split()[1:6] == ["0", "7", "*", "*", "*"]
    assert all(" next 20" in line for line in lines)

    rows = json.loads(run(env, "list", "--json").stdout)
    assert [row["job"] for row in rows] == NAMES
    assert rows[5]["cadence"] == "weekly mon 08:45" and rows[5]["grace_hours"] == 24
    upcoming = datetime.fromisoformat(rows[5]["next_at"])
    assert upcoming.weekday() == 0 and (upcoming.hour, upcoming.minute) == (8, 45)
    assert upcoming.utcoffset() is not None and rows[5]["timezone"] == "Europe/Amsterdam"


def test_run_as_of_a_day_runs_at_the_jobs_time_and_plans_nothing_twice(
    env: dict[str, str],
) -> None:
    first = run(env, "run", "pulse_open", "--as-of", "2026-11-23")
    assert first.exit_code == 0, first.output
    assert first.stdout == (
        "Ran pulse_open as of 2026-11-23 09:30 (Europe/Amsterdam):\n"
        "round: 1\ncreated: yes\ninvited: 6\n"
    )
    planned = count(env, Delivery)
    assert planned == 6 * 3  # linked ambassadors: an invitation and two reminders each

    again = run(env, "run", "pulse_open", "--as-of", "2026-11-23", "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout) == {
        "job": "pulse_open",
        "as_of": "2026-11-23T09:30:00+01:00",
        "detail": {"round": 1, "created": False, "invited": 0},
    }
    assert count(env, Delivery) == planned and count(env, PulseRound) == 1


def test_run_agendas_reads_the_calendars_through_the_edge(env: dict[str, str]) -> None:
    first = run(env, "run", "agendas", "--as-of", "2026-11-23")
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert lines[0] == "Ran agendas as of 2026-11-23 06:00 (Europe/Amsterdam):"
    assert lines[2:] == ["cancelled: 0", "problems: none"]
    planned = int(lines[1].removeprefix("planned: "))
    assert planned > 0 and count(env, Delivery) == planned
    items = count(env, AgendaItem)
    assert items > 0

    again = run(env, "run", "agendas", "--as-of", "2026-11-23")
    assert again.stdout.splitlines()[1:] == ["planned: 0", "cancelled: 0", "problems: none"]
    assert count(env, Delivery) == planned and count(env, AgendaItem) == items


def test_an_unknown_job_or_day_is_a_clear_error(env: dict[str, str]) -> None:
    unknown = run(env, "run", "pulse")
    assert unknown.exit_code == 1 and unknown.stdout == ""
    assert unknown.stderr.startswith("There is no job 'pulse'. Known jobs: ")
    assert all(name in unknown.stderr for name in NAMES)
    bad_day = run(env, "run", "flags", "--as-of", "23-11-2026")
    assert bad_day.exit_code == 1 and "YYYY-MM-DD" in bad_day.stderr
    assert "Traceback" not in unknown.output + bad_day.output
    assert count(env, Delivery) == 0
