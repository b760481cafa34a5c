"""`alliancebot signals`: the regional signals, for the national table."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer

from bot.cli.common import JsonOption, alliance_session, fail, print_json

app = typer.Typer(help="Regional signals from the ambassadors.", no_args_is_help=True)


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--since {value!r} is not a date (YYYY-MM-DD)")


@app.command("list")
def signals_list_command(
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="Only signals from YYYY-MM-DD on.")
    ] = None,
) -> None:
    """Every regional signal, oldest first; an anonymous one never says who sent it."""
    from bot.core.attention import signal_rows, signals_csv

    if as_json and as_csv:
        fail("Choose one of --json and --csv.")
    day = _since(since)
    with alliance_session(write=False) as (session, alliance):
        rows = signal_rows(session, alliance, day)
    if as_json:
        print_json(rows)
    elif as_csv:
        sys.stdout.write(signals_csv(rows))
    elif not rows:
        typer.echo("No signals" + (f" since {day.isoformat()}." if day else " yet."))
    else:
        for row in rows:
            where = row["region"] or "-"
            who = " (anonymous)" if row["anonymous"] else ""
            typer.echo(
                f"{row['id']:>4}  {row['created_at'][:16]}  {where:12} {row['status']:10}"
                f"{who} {row['text']}"
            )
