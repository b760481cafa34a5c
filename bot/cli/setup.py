"""Getting an alliance going: the schema, the alliance file, a chat, the demo, invitations."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bot.adapters.link_key import link_key
from bot.cli.common import alliance_session, database, fail, person_of, safe_url, texts_for
from bot.core.alliance import AllianceFileError, load_alliance, read_alliance_file
from bot.db import migrate, session_scope
from bot.settings import load_settings


def migrate_command() -> None:
    """Create or upgrade the database schema."""
    settings = load_settings()
    with database(settings, checked=False) as engine:
        migrate(engine)
    typer.echo(f"Database is up to date ({safe_url(settings.database_url)}).", err=True)


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
    with database(settings, checked=False) as engine:
        migrate(engine)
        with session_scope(engine) as session:
            report = load_alliance(session, document, path.resolve().parent)
    typer.echo(f"Loaded {document.alliance.name} from {path}: {report.summary()}.")


def chat_command(
    person: Annotated[str, typer.Option("--as", help="A person's key from the alliance file.")],
) -> None:
    """Chat with the bot in this terminal, as PERSON (reads commands line by line)."""
    from bot.adapters.console import UnknownPersonError, run_console

    settings = load_settings()
    with database() as engine:
        try:
            run_console(
                engine,
                person,
                sys.stdin,
                sys.stdout,
                interactive=sys.stdin.isatty(),
                public_url=settings.public_url,
                link_key=link_key(settings),
            )
        except UnknownPersonError:
            fail(
                texts_for().gettext(
                    "Nobody with key %(key)r in the alliance file; use a key from its [[people]].",
                    key=person,
                )
            )


def invite_command(
    person: Annotated[str, typer.Argument(help="A person's key from the alliance file.")],
) -> None:
    """Print a one-time Telegram link for PERSON (valid 14 days), and the bare code last."""
    from bot.app import telegram_username
    from bot.core.alliance import VALID_FOR, create_invite

    settings = load_settings()
    if settings.telegram_bot_token is None:
        fail("Set TELEGRAM_BOT_TOKEN first: the link needs the bot's username.")
    username = telegram_username(settings)
    with alliance_session(settings) as (session, alliance):
        who = person_of(session, alliance, person)
        code = create_invite(session, who)
        typer.echo(f"Invite for {who.name}, valid for {VALID_FOR.days} days, once:", err=True)
    typer.echo(f"https://t.me/{username}?start={code}")
    typer.echo(code)


def demo_command(
    person: Annotated[str, typer.Option("--as", help="Whom to chat as.")] = "anna",
    web: Annotated[bool, typer.Option(help="Also serve the web app.")] = True,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Start a new demo even when one is running.")
    ] = False,
) -> None:
    """A throwaway demo alliance with months of history: web app plus console chat.

    While a demo runs, a second `alliancebot demo --as PERSON` joins its database."""
    from bot.demo.run import run_demo

    run_demo(load_settings(), person_key=person, with_web=web, fresh=fresh)


def register(app: typer.Typer) -> None:
    """These are top-level commands (`alliancebot init`), not a group of their own."""
    app.command("migrate")(migrate_command)
    app.command("init")(init_command)
    app.command("chat")(chat_command)
    app.command("invite")(invite_command)
    app.command("demo")(demo_command)
