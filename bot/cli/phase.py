"""`alliancebot phase`: the alliance's phase with its history, and a phase proposal that
runs through the partners' consent like a house proposal (`alliancebot decisions`)."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import JsonOption, alliance_session, person_of, print_json, say, texts_for
from bot.cli.decisions import consent_problem
from bot.core.consent import ConsentError, DecisionKind, submit_proposal
from bot.core.kernel import _, format_day, local_day
from bot.core.reflection import changes_of, phase_json, phase_name

app = typer.Typer(help="The alliance's phase.", invoke_without_command=True)


@app.callback()
def phase_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The current phase, since when, and how it got there."""
    if ctx.invoked_subcommand is not None:
        return
    with alliance_session() as (session, alliance):
        document = phase_json(session, alliance)
        if as_json:
            print_json(document)
            return
        texts = texts_for(alliance)
        zone = alliance.timezone
        say(alliance, _("Phase: %(name)s"), name=phase_name(texts, document["phase"]))
        for change in changes_of(session, alliance):
            day = format_day(local_day(change.since, zone), texts.language)
            typer.echo(f"  {day}  {phase_name(texts, change.phase)}  {change.reason or ''}")


@app.command("propose")
def phase_propose_command(
    phase: Annotated[str, typer.Argument(help="start | discover | productive | renew")],
    by: Annotated[str, typer.Option("--by", help="The proposing adviser's key.")],
    reason: Annotated[str, typer.Option(help="Why the alliance is in this phase now.")],
    replace: Annotated[bool, typer.Option(help="Replace an open phase proposal.")] = False,
) -> None:
    """Propose a phase to the partners; `alliancebot decisions` shows and answers it."""
    with alliance_session() as (session, alliance):
        person = person_of(session, alliance, by)
        try:
            current, asked = submit_proposal(
                session, alliance, person, DecisionKind.PHASE, phase, reason, replace
            )
        except ConsentError as error:
            consent_problem(error, alliance)
        say(
            alliance,
            _("Proposal %(id)s is open; %(asked)s advisers were asked to respond."),
            id=current.decision.id,
            asked=asked,
        )
