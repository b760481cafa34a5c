"""`alliancebot partners`: the partners' intake profiles, for the coordinators."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli.common import JsonOption, alliance_session, fail, partner_of, print_json, texts_for

app = typer.Typer(help="The partners' intake profiles.", no_args_is_help=True)


@app.command("profile")
def profile_command(
    key: Annotated[str, typer.Argument(metavar="KEY", help="The partner's key.")],
    as_json: JsonOption = False,
) -> None:
    """A partner's latest intake profile, with the fields it shares with the coalition."""
    from bot.core.needs import FIELDS, latest_profile, profile_json

    with alliance_session(write=False) as (session, alliance):
        partner = partner_of(session, alliance, key)
        document = profile_json(partner, latest_profile(session, partner))
        texts = texts_for(alliance)
    if as_json:
        print_json(document)
        return
    if not document["version"]:
        typer.echo(texts.gettext("%(partner)s has no intake yet.", partner=key))
        return
    typer.echo(f"{key} · {texts.gettext('version %(version)s', version=document['version'])}")
    for name in FIELDS:
        mark = "*" if name in document["shared"] else " "
        typer.echo(f"{mark} {name:19} {document[name]}")
    typer.echo(texts.gettext("* shared with the coalition"))


@app.command("profiles")
def profiles_command(
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Every partner's latest profile: CSV (one row per partner) or JSON."""
    from bot.core.needs import profiles_csv, profiles_json

    if as_json and as_csv:
        fail(texts_for().gettext("Choose one of --json and --csv."))
    with alliance_session(write=False) as (session, alliance):
        if not as_json:
            sys.stdout.write(profiles_csv(session, alliance))
            return
        print_json(profiles_json(session, alliance))
