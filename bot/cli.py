"""`alliancebot`: the command line. Thin: it parses, calls the core, prints.

Errors a user can fix go to stderr as one clear message with a non-zero exit code; listing
commands with `--json` print exactly one JSON document to stdout and nothing else.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.core.alliance import NoAllianceError, get_alliance, load_alliance
from bot.core.alliance_file import AllianceFileError, read_alliance_file
from bot.core.house import house_markup, house_view
from bot.core.replies import Reply
from bot.core.texts import Texts
from bot.db import make_engine, migrate, session_scope
from bot.render.plain import render_plain
from bot.settings import Settings, load_settings

app = typer.Typer(
    name="alliancebot",
    help="A chat bot for alliance communication coalitions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
house_app = typer.Typer(help="The message house.", invoke_without_command=True)
app.add_typer(house_app, name="house")
pulse_app = typer.Typer(help="Pulse polls on energy and trust.", no_args_is_help=True)
app.add_typer(pulse_app, name="pulse")

log = logging.getLogger("bot")


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def _engine(settings: Settings) -> Engine:
    return make_engine(settings.database_url)


def _print_json(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show details of unexpected errors.")
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema."""
    settings = load_settings()
    migrate(_engine(settings))
    typer.echo(f"Database is up to date ({_safe_url(settings.database_url)}).", err=True)


@app.command("init")
def init_command(
    path: Annotated[
        Path | None, typer.Argument(help="The alliance file (default: $ALLIANCEBOT_CONFIG).")
    ] = None,
) -> None:
    """Check the alliance file, migrate, then load or update the alliance from it."""
    settings = load_settings()
    path = path or settings.alliancebot_config
    try:
        document = read_alliance_file(path)
    except AllianceFileError as error:
        fail(
            f"{path} was not loaded; nothing was changed. Fix these and run init again:\n"
            + "\n".join(f"  {problem}" for problem in error.problems)
        )
    engine = _engine(settings)
    migrate(engine)
    with session_scope(engine) as session:
        report = load_alliance(session, document, path.resolve().parent)
    typer.echo(f"Loaded {document.alliance.name} from {path}: {report.summary()}.")


@app.command("chat")
def chat_command(
    person: Annotated[str, typer.Option("--as", help="A person's key from the alliance file.")],
) -> None:
    """Chat with the bot in this terminal, as PERSON (reads commands line by line)."""
    from bot.adapters.console import UnknownPersonError, run_console

    engine = _engine(load_settings())
    try:
        run_console(engine, person, sys.stdin, sys.stdout, interactive=sys.stdin.isatty())
    except UnknownPersonError:
        fail(f"Nobody with key {person!r} in the alliance file; use a key from its [[people]].")


@house_app.callback()
def house_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """The current message house and who endorsed it."""
    if ctx.invoked_subcommand is not None:
        return
    engine = _engine(load_settings())
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        if as_json:
            view = house_view(session, alliance)
            _print_json(view.to_json() if view else None)
        else:
            markup = house_markup(session, alliance, Texts(alliance.language))
            typer.echo(render_plain(Reply.from_markup(markup)))


@app.command("web")
def web_command() -> None:
    """Serve the web app (health, pages, Slack and Telegram webhooks) on $PORT."""
    from bot.app import serve_web

    serve_web(load_settings())


@app.command("worker")
def worker_command() -> None:
    """Send due deliveries from the outbox, paced, until stopped."""
    from bot.app import run_worker

    run_worker(load_settings(), once=False)


@app.command("dispatch")
def dispatch_command(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")] = False,
) -> None:
    """Send every delivery that is due now, then exit (`--once`)."""
    from bot.app import run_worker

    if not once:
        fail("Use `alliancebot dispatch --once`, or `alliancebot worker` to keep sending.")
    stats = run_worker(load_settings(), once=True)
    typer.echo(", ".join(f"{k}: {v}" for k, v in sorted(stats.items())) or "nothing was due")


@app.command("outbox")
def outbox_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Counts of deliveries by status, and accounts the platforms refused."""
    from bot.core.outbox import outbox_counts
    from bot.core.outbox_queue import unreachable_accounts

    engine = _engine(load_settings())
    with session_scope(engine) as session:
        document: dict[str, Any] = {**outbox_counts(session)}
        document["unreachable"] = unreachable_accounts(session)
    if as_json:
        _print_json(document)
        return
    for status, count in document.items():
        if status != "unreachable":
            typer.echo(f"{status:<10} {count}")
    for account in document["unreachable"]:
        typer.echo(
            f"unreachable: {account['name']} on {account['platform']} since"
            f" {account['since'][:10]} ({account['reason']})"
        )


@app.command("clock")
def clock_command() -> None:
    """Run the cadences in schedules/ (exactly one clock per deployment)."""
    from bot.clock import run_clock

    run_clock(_engine(load_settings()))


@app.command("run")
def run_command() -> None:
    """web + clock + worker in one process (single-machine deployments)."""
    from bot.app import run_all

    run_all(load_settings())


@pulse_app.command("open")
def pulse_open_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Open a pulse round now (or invite who was missed in the open one)."""
    from bot.core.pulse import open_round

    engine = _engine(load_settings())
    with session_scope(engine) as session:
        opened = open_round(session, get_alliance(session))
        document = {
            "id": opened.round.id,
            "opened_at": opened.round.opened_at.isoformat(),
            "closes_at": opened.round.closes_at.isoformat() if opened.round.closes_at else None,
            "created": opened.created,
            "invited": opened.invited,
            "unreachable": opened.unreachable,
            "waiting": opened.waiting,
        }
    if as_json:
        _print_json(document)
        return
    verb = "Opened" if opened.created else "Already open:"
    typer.echo(
        f"{verb} pulse round {document['id']} until {str(document['closes_at'])[:10]};"
        f" invitations planned: {opened.invited},"
        f" waiting for quiet hours, a mute or the weekly cap: {opened.waiting},"
        f" without a reachable account: {opened.unreachable}."
        " `alliancebot dispatch --once` sends what is due."
    )


@app.command("demo")
def demo_command(
    person: Annotated[str, typer.Option("--as", help="Whom to chat as.")] = "anna",
    web: Annotated[bool, typer.Option(help="Also serve the web app.")] = True,
) -> None:
    """A throwaway demo alliance with months of history: web app plus console chat."""
    from bot.demo.run import run_demo

    run_demo(load_settings(), person_key=person, with_web=web)


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Entry point: known problems become one-line messages, never tracebacks."""
    try:
        app()
    except NoAllianceError as error:
        print(str(error), file=sys.stderr)
        sys.exit(1)
    except OperationalError as error:
        print(
            f"Cannot use the database: {error.orig}. Check DATABASE_URL and that it is running.",
            file=sys.stderr,
        )
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
