"""`alliancebot harvest`: what finished agreements brought, credited to the partners."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli.common import JsonOption, alliance_session, fail, print_json, texts_for

app = typer.Typer(help="The harvest: what finished agreements brought.", no_args_is_help=True)


@app.command("list")
def harvest_list_command(
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
) -> None:
    """Every harvested result, oldest first, with its partner and agreement."""
    from bot.core.harvest import harvest_csv, harvest_rows

    if as_json and as_csv:
        fail(texts_for().gettext("Choose one of --json and --csv."))
    with alliance_session(write=False) as (session, alliance):
        rows = harvest_rows(session, alliance)
        texts = texts_for(alliance)
    if as_json:
        print_json(rows)
    elif as_csv:
        sys.stdout.write(harvest_csv(rows))
    elif not rows:
        typer.echo(texts.gettext("No results harvested yet."))
    else:
        for row in rows:
            figure = "" if row["figure"] is None else f"  [{row['figure']:g}]"
            where = row["partner"] or row["region"] or "-"
            typer.echo(
                f"{row['id']:>4}  {row['created_at'][:10]}  {where:16} {row['agreement'] or '-':8}"
                f" {row['text']}{figure}"
            )
