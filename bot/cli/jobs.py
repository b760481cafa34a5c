"""`alliancebot jobs`: the clock's jobs, listed and run by hand.

An operator who wants to see what the clock will do on Monday, or to catch up a morning the
clock missed, runs the same code the clock runs (`bot.core.jobs.run_job`), with the same
edge; the jobs are idempotent, so running one again plans nothing twice. A hand run is not
written to the clock's ledger: the clock still runs its own moments.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from sqlalchemy import Engine

from bot.cli.common import (
    AsOfOption,
    JsonOption,
    database,
    fail,
    parse_day,
    print_json,
    unit_of_work,
)
from bot.core.jobs import UnknownJobError, job_named, run_job
from bot.core.kernel import utcnow

app = typer.Typer(help="The clock's jobs, listed and run by hand.", no_args_is_help=True)


@app.command("list")
def jobs_list_command(as_json: JsonOption = False) -> None:
    """The clock's jobs, one per line: name, cadence, next run (in the alliance's zone)."""
    from bot.clock import load_cadences

    with database() as engine:
        cadences = load_cadences(engine)
        with unit_of_work(engine, write=False) as (_, alliance):
            zone = ZoneInfo(alliance.timezone)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for cadence in cadences:
        upcoming: datetime | None = cadence.trigger.get_next_fire_time(None, now)
        rows.append(
            {
                "job": cadence.job,
                "cadence": cadence.text,
                "timezone": zone.key,
                "grace_hours": cadence.grace.total_seconds() / 3600,
                "next_at": upcoming.astimezone(zone).isoformat() if upcoming else None,
            }
        )
    if as_json:
        print_json(rows)
        return
    for row in rows:
        upcoming_text = f"next {_minutes(row['next_at'])}" if row["next_at"] else ""
        typer.echo(f"{row['job']:<12} {row['cadence']:<22} {upcoming_text}".rstrip())


def _minutes(moment: str) -> str:
    """An ISO moment as people read it in a table: `2026-11-23 09:30`."""
    return moment[:16].replace("T", " ")


def _time_of_day(engine: Engine, name: str) -> time:
    """When the clock runs the job in a day, from schedules/ and the alliance file."""
    from bot.clock import load_cadences

    cadence = next((c for c in load_cadences(engine) if c.job == name), None)
    if cadence is None:
        fail(f"{name} is in no schedule, so it has no time of day: run it without --as-of.")
    return cadence.at


@app.command("run")
def jobs_run_command(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A job, as `jobs list` names it.")],
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run one job once, now or as if it were YYYY-MM-DD at its time; print what it did."""
    from bot.adapters.calendar_feed import job_edge

    try:
        job_named(name)
    except UnknownJobError as error:
        fail(str(error))
    day = parse_day(as_of) if as_of else None
    with database() as engine:
        at = _time_of_day(engine, name) if day else None
        with unit_of_work(engine) as (session, alliance):
            zone = ZoneInfo(alliance.timezone)
            now = datetime.combine(day, at, tzinfo=zone) if day and at else utcnow()
            detail = run_job(session, name, now, job_edge())
    moment = now.astimezone(zone).isoformat()
    if as_json:
        print_json({"job": name, "as_of": moment, "detail": detail})
        return
    typer.echo(f"Ran {name} as of {_minutes(moment)} ({zone.key}):")
    for key, value in detail.items():
        typer.echo(_detail_line(key, value))


def _detail_line(key: str, value: Any) -> str:
    """A job's detail as `key: value`; a mapping (a problem per partner) one per line."""
    if isinstance(value, dict):
        if not value:
            return f"{key}: none"
        return f"{key}:" + "".join(f"\n  {k}: {v}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return f"{key}: {', '.join(str(v) for v in value) or 'none'}"
    if value is None:
        return f"{key}: none"
    if isinstance(value, bool):
        return f"{key}: {'yes' if value else 'no'}"
    return f"{key}: {value}"
