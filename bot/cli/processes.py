"""The Procfile's processes (web, worker, clock, run) and the outbox they share.

The heavy imports (uvicorn, the platforms, APScheduler) happen inside each command, so that
a quick `alliancebot outbox` does not pay for starting a web server it never runs.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bot.cli.common import JsonOption, database, fail, print_json
from bot.db import session_scope
from bot.settings import load_settings

HostOption = Annotated[
    str, typer.Option(help="Address to listen on; 127.0.0.1 keeps it to this machine.")
]


def web_command(host: HostOption = "0.0.0.0") -> None:
    """Serve the web app (health, pages, Slack and Telegram webhooks) on $PORT."""
    from bot.app import serve_web

    serve_web(load_settings(), host=host)


def worker_command() -> None:
    """Send due deliveries from the outbox, paced, until stopped."""
    from bot.app import run_worker

    run_worker(load_settings(), once=False)


def dispatch_command(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")] = False,
) -> None:
    """Send every delivery that is due now, then exit (`--once`)."""
    from bot.app import run_worker

    if not once:
        fail("Use `alliancebot dispatch --once`, or `alliancebot worker` to keep sending.")
    stats = run_worker(load_settings(), once=True)
    typer.echo(", ".join(f"{k}: {v}" for k, v in sorted(stats.items())) or "nothing was due")


def outbox_command(as_json: JsonOption = False) -> None:
    """Counts of deliveries by status, and accounts the platforms refused."""
    from bot.core.outbox import outbox_counts, unreachable_accounts

    with database() as engine, session_scope(engine) as session:
        document: dict[str, Any] = {**outbox_counts(session)}
        document["unreachable"] = unreachable_accounts(session)
    if as_json:
        print_json(document)
        return
    for status, count in document.items():
        if status != "unreachable":
            typer.echo(f"{status:<10} {count}")
    for account in document["unreachable"]:
        typer.echo(
            f"unreachable: {account['name']} on {account['platform']} since"
            f" {account['since'][:10]} ({account['reason']})"
        )


def clock_command() -> None:
    """Run the cadences in schedules/ (exactly one clock per deployment)."""
    from bot.clock import run_clock

    with database() as engine:
        run_clock(engine)


def run_command(host: HostOption = "0.0.0.0") -> None:
    """web + clock + worker in one process (single-machine deployments)."""
    from bot.app import run_all

    run_all(load_settings(), host=host)


def register(app: typer.Typer) -> None:
    """Top-level commands, as the Procfile names them (`web: alliancebot web`)."""
    app.command("web")(web_command)
    app.command("worker")(worker_command)
    app.command("dispatch")(dispatch_command)
    app.command("outbox")(outbox_command)
    app.command("clock")(clock_command)
    app.command("run")(run_command)
