"""`alliancebot harvest`: what finished agreements brought, credited to the partners."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from bot.cli.common import (
    JsonOption,
    alliance_session,
    fail,
    person_of,
    print_json,
    texts_for,
)
from bot.core.kernel import Texts, _

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


@app.command("add")
def harvest_add_command(
    text: Annotated[str, typer.Argument(help="What it brought, in one sentence.")],
    figure: Annotated[
        float | None, typer.Option("--figure", help="A figure, if there is one.")
    ] = None,
    agreement: Annotated[
        str | None, typer.Option("--agreement", help="The finished agreement's key.")
    ] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who reports it (a person's key).")] = None,
) -> None:
    """Add a result, credited to the agreement's partner (else the reporter's)."""
    from bot.core.followup import find_agreement
    from bot.core.harvest import HarvestError, add_harvest

    with alliance_session() as (session, alliance):
        texts = texts_for(alliance)
        person = person_of(session, alliance, by) if by else None
        found = find_agreement(session, alliance, agreement) if agreement else None
        if agreement and found is None:
            fail(texts.gettext("I don't know an agreement '%(key)s'.", key=agreement))
        try:
            harvest = add_harvest(session, alliance, person, text, figure, found)
        except HarvestError:
            fail(texts.gettext("Say in one sentence what it brought."))
        typer.echo(texts.gettext("Result %(id)s harvested.", id=harvest.id))


@app.command("propose")
def harvest_propose_command(
    number: Annotated[int, typer.Argument(metavar="ID", help="The result's id (harvest list).")],
    pillar: Annotated[int, typer.Option("--pillar", help="The pillar's number, from 1.")],
    by: Annotated[str, typer.Option("--by", help="The proposing coordinator's key.")],
) -> None:
    """Make a result a proof point of a pillar: a proposal in the message house's flow."""
    from bot.core.harvest import Harvest, HarvestError, to_proof
    from bot.core.house import ProposalError

    with alliance_session() as (session, alliance):
        texts = texts_for(alliance)
        person = person_of(session, alliance, by)
        harvest = session.get(Harvest, number)
        if harvest is None or harvest.alliance_id != alliance.id:
            fail(
                texts.gettext(
                    "There is no result %(id)s; `alliancebot harvest list` lists them.", id=number
                )
            )
        try:
            proposal = to_proof(session, alliance, person, harvest, pillar)
        except (HarvestError, ProposalError) as error:
            fail(_problem(texts, error.code))
        typer.echo(
            texts.gettext(
                "Proposed as proposal %(proposal)s; `alliancebot house --json` shows it.",
                proposal=proposal.id,
            )
        )


def _problem(texts: Texts, code: str) -> str:
    messages = {
        "not_coordinator": _("Only the alliance's coordinators make a result a proof point."),
        "no_house": _("There is no message house yet to add a proof point to."),
        "no_pillar": _("There is no such pillar; count them in `alliancebot house`."),
        "proposed": _("That result is already in a proposal for the message house."),
        "already_open": _(
            "Another proposal for the message house is still open; once the partners have"
            " decided on it, try again."
        ),
        "not_adviser": _("Only advisers propose changes to the message house."),
        "no_change": _("That proof point is already in the message house."),
    }
    return texts.gettext(messages.get(code, _("That did not work; try again.")))
