"""`alliancebot demo`: throwaway database, sample alliance, web app and console chat."""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn
from sqlmodel import Session

from bot.adapters.calendar_feed import job_edge
from bot.adapters.console import run_console
from bot.adapters.web import create_web_app
from bot.core.alliance import get_alliance, load_alliance, read_alliance_file
from bot.core.followup import refresh_follow_up_flags
from bot.core.jobs import run_job
from bot.core.kernel import Alliance, Reply, Texts
from bot.core.toolkit import planned_snippets
from bot.db import make_engine, migrate, session_scope
from bot.demo.history import seed_history
from bot.render.plain import render_plain
from bot.settings import Settings

DEMO_FILE = Path(__file__).parent / "alliance.toml"


def build_demo_database(directory: Path, today: date | None = None) -> str:
    """Create and fill a demo database in `directory`; return its URL."""
    url = f"sqlite:///{directory / 'demo.db'}"
    engine = make_engine(url)
    migrate(engine)
    document = read_alliance_file(DEMO_FILE)
    with session_scope(engine) as session:
        load_alliance(session, document, DEMO_FILE.parent)
        alliance = get_alliance(session)
        seed_history(session, alliance, today or date.today())
        plan_demo_toolkit(session, alliance, today or date.today())
    engine.dispose()
    return url


def plan_demo_toolkit(session: Session, alliance: Alliance, today: date) -> None:
    """Read the demo partners' calendars and plan their snippets: the clock's own job.

    The job commits `session` as it goes (each partner's agenda in a transaction of its
    own), so what the caller wrote before is committed with the first of them."""
    now = datetime.combine(today, time(8, 0), tzinfo=ZoneInfo(alliance.timezone))
    detail = run_job(session, "agendas", now, job_edge())
    if detail["problems"]:  # the demo's calendars ship with it: a problem is a bug
        raise RuntimeError(f"demo calendars not imported: {detail['problems']}")


def _free_port(preferred: int) -> int:
    """The preferred port if nothing listens there, else any free one (a demo must start)."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise OSError("no free port for the demo web app")


def run_demo(settings: Settings, person_key: str, with_web: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="alliancebot-demo-") as directory:
        url = build_demo_database(Path(directory))
        engine = make_engine(url)
        with session_scope(engine) as session:
            # as this morning's clock job would: the flags list shows what detection stored
            refresh_follow_up_flags(session, get_alliance(session))
        out = sys.stdout
        web_url = None
        if with_web:
            port = _free_port(settings.port)
            config = uvicorn.Config(
                create_web_app(engine), host="127.0.0.1", port=port, log_level="warning"
            )
            server = uvicorn.Server(config)
            threading.Thread(target=server.run, daemon=True).start()
            web_url = f"http://127.0.0.1:{port}/"
        with session_scope(engine) as session:
            alliance = get_alliance(session)
            texts, name = Texts(alliance.language), alliance.name
            zone = ZoneInfo(alliance.timezone)
            planned = [
                replace(
                    p,
                    send_at=p.send_at.astimezone(zone),
                    agenda_start=p.agenda_start.astimezone(zone),
                )
                for p in planned_snippets(session, alliance)
            ]
        banner = texts.render(
            "demo_banner",
            alliance_name=name,
            web_url=web_url,
            person_key=person_key,
            planned=planned,
        )
        out.write(render_plain(Reply.from_markup(banner)) + "\n\n")
        out.flush()
        # links in replies (a toolkit page) lead to this demo's own web app, on its own port
        public_url = (web_url or settings.public_url).rstrip("/")
        run_console(engine, person_key, sys.stdin, out, interactive=True, public_url=public_url)
        engine.dispose()
