"""`alliancebot signals`: the regional signals, for the national table."""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer

from bot.cli.common import JsonOption, alliance_session, fail, print_json, texts_for
from bot.core.kernel import format_day

app = typer.Typer(help="Regional signals from the ambassadors.", no_args_is_help=True)


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(texts_for().gettext("--since %(value)r is not a date (YYYY-MM-DD)", value=value))


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
        fail(texts_for().gettext("Choose one of --json and --csv."))
    day = _since(since)
    with alliance_session(write=False) as (session, alliance):
        rows = signal_rows(session, alliance, day)
        texts = texts_for(alliance)
    if as_json:
        print_json(rows)
    elif as_csv:
        sys.stdout.write(signals_csv(rows))
    elif not rows:
        typer.echo(
            texts.gettext("No signals since %(date)s.", date=format_day(day, texts.language))
            if day
            else texts.gettext("No signals yet.")
        )
    else:
        for row in rows:
            where = row["region"] or "-"
            who = " (" + texts.gettext("anonymous") + ")" if row["anonymous"] else ""
            when = row["created_at"][:16].replace("T", " ")
            typer.echo(f"{row['id']:>4}  {when}  {where:12} {row['status']:10}{who} {row['text']}")
