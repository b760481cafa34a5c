"""`alliancebot learning`: the learning agenda, as in chat (`leeragenda`)."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from bot.cli.common import JsonOption, alliance_session, fail, person_of, print_json, say, texts_for
from bot.core.kernel import Alliance, Reply, _
from bot.core.reflection import LearningError, add_item, close_item, item_json, learning_items
from bot.render.plain import render_plain

app = typer.Typer(help="The alliance's learning agenda.", invoke_without_command=True)
ByOption = Annotated[str, typer.Option("--by", help="The adviser's key.")]


def _problem(error: LearningError, alliance: Alliance) -> NoReturn:
    markup = texts_for(alliance).render(
        "learning_error", code=error.code, cmd=lambda key: f"alliancebot {key}", **error.details
    )
    fail(render_plain(Reply.from_markup(markup)))


@app.callback()
def learning_command(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Every item, open and closed (with its lesson)."""
    if ctx.invoked_subcommand is not None:
        return
    with alliance_session() as (session, alliance):
        items = learning_items(session, alliance)
        if as_json:
            print_json([item_json(session, alliance, item) for item in items])
            return
        for item in items:
            lesson = f"  — {item.lesson}" if item.lesson else ""
            typer.echo(f"{item.id}  {item.text}{lesson}")


@app.command("add")
def learning_add_command(
    text: Annotated[str, typer.Argument(help="What the alliance wants to learn.")],
    by: ByOption,
) -> None:
    """Add an item to the learning agenda."""
    with alliance_session() as (session, alliance):
        person = person_of(session, alliance, by)
        try:
            item = add_item(session, alliance, person, text)
        except LearningError as error:
            _problem(error, alliance)
        say(
            alliance,
            _("On the learning agenda as number %(number)s: %(text)s"),
            number=item.id,
            text=item.text,
        )


@app.command("close")
def learning_close_command(
    number: Annotated[int, typer.Argument(metavar="ID", help="The item's number.")],
    by: ByOption,
    lesson: Annotated[str, typer.Option(help="What was learned.")],
) -> None:
    """Close an item with what was learned; it stays, with its lesson."""
    with alliance_session() as (session, alliance):
        person = person_of(session, alliance, by)
        try:
            item = close_item(session, alliance, person, number, lesson)
        except LearningError as error:
            _problem(error, alliance)
        say(
            alliance,
            _("Closed with its lesson: %(text)s — %(lesson)s"),
            text=item.text,
            lesson=item.lesson or "",
        )
