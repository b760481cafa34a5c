"""`alliancebot pulse`: open and close rounds by hand, and report their results."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import JsonOption, alliance_session, fail, print_json, texts_for
from bot.core.kernel import Alliance, Texts, _, format_day, format_number, iso_local, local_day

if TYPE_CHECKING:
    from bot.core.pulse import RoundResult

app = typer.Typer(help="Pulse polls on energy and trust.", no_args_is_help=True)

ROLES = ("ambassador", "partner", "adviser")


def _audience(audience: str) -> str:
    """The roles to ask, checked before anything is written."""
    roles = sorted({r.strip() for r in audience.split(",") if r.strip()})
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        fail(f"--audience takes ambassador, partner and adviser; not {', '.join(unknown)!s}.")
    return ",".join(roles)


def _say_opened(
    alliance: Alliance, document: dict[str, Any], created: bool, closes: datetime
) -> None:
    texts = texts_for(alliance)
    typer.echo(
        texts.gettext(
            _(
                "Opened pulse round %(id)s until %(date)s; invitations planned: %(invited)s,"
                " waiting for quiet hours, a mute or the weekly cap: %(waiting)s, without a"
                " reachable account: %(unreachable)s. `alliancebot dispatch --once` sends"
                " what is due."
            )
            if created
            else _(
                "Already open: pulse round %(id)s until %(date)s; invitations planned:"
                " %(invited)s, waiting for quiet hours, a mute or the weekly cap:"
                " %(waiting)s, without a reachable account: %(unreachable)s."
                " `alliancebot dispatch --once` sends what is due."
            ),
            id=document["id"],
            date=format_day(local_day(closes, alliance.timezone), texts.language),
            invited=document["invited"],
            waiting=document["waiting"],
            unreachable=document["unreachable"],
        )
    )


@app.command("open")
def pulse_open_command(
    as_json: JsonOption = False,
    audience: Annotated[
        str | None,
        typer.Option(
            help="Who is asked: roles, comma-separated (ambassador,partner,adviser);"
            " default ambassador, and everyone for a lens check."
        ),
    ] = None,
    no_open_question: Annotated[
        bool, typer.Option("--no-open-question", help="Only the 1-5 questions this round.")
    ] = False,
    lenses: Annotated[
        bool,
        typer.Option(
            "--lenses", help="A lens check: two statements per lens (audience: everyone)."
        ),
    ] = False,
) -> None:
    """Open a pulse round now (or invite who was missed in the open one)."""
    from bot.core.pulse import open_round

    everyone = "adviser,ambassador,partner"
    roles = _audience(audience or (everyone if lenses else "ambassador"))
    with alliance_session() as (session, alliance):
        opened = open_round(
            session,
            alliance,
            open_question=not no_open_question,
            audience_roles=roles,
            lenses=lenses,
        )
        document: dict[str, Any] = {
            "id": opened.round.id,
            "opened_at": iso_local(opened.round.opened_at, alliance.timezone),
            "closes_at": iso_local(opened.round.closes_at, alliance.timezone),
            "created": opened.created,
            "invited": opened.invited,
            "unreachable": opened.unreachable,
            "waiting": opened.waiting,
        }
        closes = opened.round.closes_at or opened.round.opened_at
    if as_json:
        print_json(document)
        return
    _say_opened(alliance, document, opened.created, closes)


@app.command("close")
def pulse_close_command() -> None:
    """Close the open pulse round: respondents hear what we heard, flags are updated."""
    from bot.core.pulse import close_round

    with alliance_session() as (session, alliance):
        closed = close_round(session, alliance)
        texts = texts_for(alliance)
        if closed is None:
            fail(texts.gettext("There is no open pulse round to close."))
        typer.echo(
            texts.gettext(
                "Closed pulse round %(id)s. `alliancebot pulse report` shows the results;"
                " `alliancebot dispatch --once` sends what is due.",
                id=closed.id,
            )
        )


@app.command("report")
def pulse_report_command(
    as_json: JsonOption = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (aggregates only).")] = False,
    chart: Annotated[
        Path | None, typer.Option("--chart", help="Also write the trend chart (PNG) here.")
    ] = None,
) -> None:
    """Results of the closed rounds: only groups large enough to keep answers anonymous."""
    from bot.core.pulse import (
        closed_rounds,
        report_csv,
        report_json,
        round_results,
        structure_of,
    )
    from bot.render.chart import render_trend_chart

    if as_json and as_csv:
        fail(texts_for().gettext("Choose one of --json and --csv."))
    with alliance_session(write=False) as (session, alliance):
        rounds = round_results(session, alliance, closed_rounds(session, alliance))
        structure = structure_of(session, alliance)
        texts, k, zone = texts_for(alliance), alliance.min_group_size, alliance.timezone
        language = texts.language
    if chart is not None:
        chart.write_bytes(
            render_trend_chart(rounds, structure, language=language, title=structure.name)
        )
    if as_json:
        print_json(report_json(rounds, zone))
    elif as_csv:
        sys.stdout.write(report_csv(rounds, zone))
    elif not rounds:
        typer.echo(texts.gettext("No pulse round has closed yet."))
    else:
        _report_text(texts, rounds, k, zone)


def _report_text(texts: Texts, rounds: Sequence[RoundResult], k: int, zone: str) -> None:
    """The report for a person: their language's words, dates and decimal sign."""
    language = texts.language
    typer.echo(texts.gettext("Groups with fewer than %(k)s respondents are not shown.", k=k))
    for result in rounds:
        opened_on = format_day(local_day(result.opened_at, zone), language)
        typer.echo(texts.gettext("Round %(id)s, opened %(date)s:", id=result.id, date=opened_on))
        if not result.groups:
            typer.echo("  " + texts.gettext("(too few respondents to show anything)"))
        for group in result.groups:
            numbers = texts.gettext(
                "energy %(energy)s, trust %(trust)s",
                energy=format_number(group.energy, language),
                trust=format_number(group.trust, language),
            )
            typer.echo(f"  {group.level:8} {group.name:24} n={group.respondents:<3} {numbers}")
