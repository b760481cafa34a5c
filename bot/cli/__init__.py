"""`alliancebot`: the command line. Thin: it parses, calls the core, prints.

One module per command group; `common` holds what they share. Errors a user can fix go to
stderr as one clear message with a non-zero exit code; listing commands with `--json` print
exactly one JSON document to stdout and nothing else.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from sqlalchemy.exc import OperationalError

from bot.cli import (
    agenda,
    agreements,
    decisions,
    harvest,
    house,
    jobs,
    learning,
    partners,
    phase,
    processes,
    pulse,
    setup,
    signals,
    spokespeople,
    toolkit,
)
from bot.cli.common import set_language
from bot.core.alliance import NoAllianceError
from bot.db import SchemaOutOfDateError
from bot.logs import configure_logging

app = typer.Typer(
    name="alliancebot",
    help="A chat bot for alliance communication coalitions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show details of unexpected errors.")
    ] = False,
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="nl or en (default: LANG, else the alliance's language)."),
    ] = None,
) -> None:
    configure_logging(debug)
    set_language(lang)


setup.register(app)
processes.register(app)
app.add_typer(house.app, name="house")
app.add_typer(decisions.app, name="decisions")
app.add_typer(phase.app, name="phase")
app.add_typer(learning.app, name="learning")
app.add_typer(pulse.app, name="pulse")
app.add_typer(agreements.app, name="agreements")
app.add_typer(agenda.app, name="agenda")
app.add_typer(toolkit.app, name="toolkit")
app.add_typer(jobs.app, name="jobs")
app.add_typer(signals.app, name="signals")
app.add_typer(harvest.app, name="harvest")
app.add_typer(partners.app, name="partners")
app.add_typer(spokespeople.app, name="spokespeople")


def main() -> None:
    """Entry point: known problems become one-line messages, never tracebacks."""
    try:
        app()
    except (NoAllianceError, SchemaOutOfDateError) as error:
        print(str(error), file=sys.stderr)
        sys.exit(1)
    except OperationalError as error:
        print(
            f"Cannot use the database: {error.orig}. Check DATABASE_URL and that it is running.",
            file=sys.stderr,
        )
        sys.exit(1)
    except ValidationError as error:  # the environment: say which variable, never its value
        for problem in error.errors():
            names = ".".join(str(part) for part in problem["loc"]).upper()
            print(f"{names}: {problem['msg']}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["app", "main"]
