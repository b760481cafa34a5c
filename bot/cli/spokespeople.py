"""`alliancebot spokespeople`: who speaks on which topic (the register press quotes use)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import JsonOption, alliance_session, fail, person_of, print_json, texts_for
from bot.core.kernel import Texts, _

app = typer.Typer(help="Who speaks on which topic.", no_args_is_help=True)


@app.command("list")
def list_command(as_json: JsonOption = False) -> None:
    """The register: topic (a pillar's number or a theme), name, function, organisation."""
    from bot.core.voice import spokespeople_rows

    with alliance_session(write=False) as (session, alliance):
        rows = spokespeople_rows(session, alliance)
        texts = texts_for(alliance)
    if as_json:
        print_json(rows)
    elif not rows:
        typer.echo(texts.gettext("Nobody is registered yet."))
    else:
        for row in rows:
            topic = f"pillar {row['pillar']}" if row["pillar"] else row["theme"] or "*"
            who = ", ".join(part for part in (row["name"], row["function"]) if part)
            typer.echo(f"{row['id']:>4}  {topic:16} {who} ({row['organisation']})")


@app.command("add")
def add_command(
    topic: Annotated[str, typer.Argument(help="A pillar's number, or a theme in words.")],
    name: Annotated[str, typer.Argument(help="Who speaks.")],
    function: Annotated[str, typer.Option("--function", help="Their function.")] = "",
    partner: Annotated[
        str, typer.Option("--partner", help="The partner's key (default: the alliance itself).")
    ] = "",
    by: Annotated[str | None, typer.Option("--by", help="Who registers it (a key).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register who speaks on a topic for a partner (or the alliance)."""
    from bot.core.voice import VoiceError, add_spokesperson, spokespeople_rows

    with alliance_session() as (session, alliance):
        texts = texts_for(alliance)
        person = person_of(session, alliance, by) if by else None
        try:
            row = add_spokesperson(session, alliance, person, topic, name, function, partner)
        except VoiceError as error:
            fail(_problem(texts, error.code))
        added = next(r for r in spokespeople_rows(session, alliance) if r["id"] == row.id)
    if as_json:
        print_json(added)
    else:
        typer.echo(texts.gettext("Registered as line %(id)s.", id=row.id))


@app.command("remove")
def remove_command(
    number: Annotated[int, typer.Argument(metavar="ID", help="The line's id (spokespeople list).")],
) -> None:
    """Take a line out of the register."""
    from bot.core.voice import VoiceError, remove_spokesperson

    with alliance_session() as (session, alliance):
        texts = texts_for(alliance)
        try:
            remove_spokesperson(session, alliance, number)
        except VoiceError as error:
            fail(_problem(texts, error.code))
        typer.echo(texts.gettext("Line %(id)s is out of the register.", id=number))


def _problem(texts: Texts, code: str) -> str:
    messages = {
        "unknown_partner": _("No partner with that key; leave --partner out for the alliance."),
        "unknown": _("There is no such line; `alliancebot spokespeople list` shows them."),
        "no_pillar": _("A pillar is a number from 1; or write a theme in words."),
    }
    return texts.gettext(messages.get(code, _("Give a topic and a name.")))
