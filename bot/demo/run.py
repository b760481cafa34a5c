"""`alliancebot demo`: throwaway database, sample alliance, web app and console chat."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session

from bot.adapters.calendar_feed import job_edge
from bot.adapters.console import run_console
from bot.adapters.web import create_web_app
from bot.core.alliance import get_alliance, load_alliance, read_alliance_file
from bot.core.followup import refresh_follow_up_flags
from bot.core.jobs import run_job
from bot.core.kernel import (
    Alliance,
    LinkKey,
    Reply,
    Texts,
    language_of,
    person_by_key,
    timezone_of,
)
from bot.core.toolkit import planned_snippets
from bot.db import make_engine, migrate, session_scope
from bot.demo.history import seed_history
from bot.render.plain import render_plain
from bot.settings import Settings

DEMO_FILE = Path(__file__).parent / "alliance.toml"
# where a running demo says which database it uses (one per user of this machine)
DEMO_MARKER = Path(
    os.environ.get("ALLIANCEBOT_DEMO_MARKER")
    or Path(tempfile.gettempdir()) / f"alliancebot-demo-{getattr(os, 'getuid', lambda: 0)()}.json"
)


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


@dataclass(frozen=True)
class RunningDemo:
    """What a second `alliancebot demo --as gerda` needs to join the first: its database,
    its web app's address and its link key (so a toolkit link shown there opens)."""

    url: str
    web_url: str | None
    key: str


def _running_demo() -> RunningDemo | None:
    """The demo still running on this machine, if there is one: a second
    `alliancebot demo --as gerda` joins it, so Gerda sees the poll Anna just opened."""
    try:
        found = json.loads(DEMO_MARKER.read_text(encoding="utf-8"))
        os.kill(int(found["pid"]), 0)  # raises when that process is gone
        demo = RunningDemo(str(found["url"]), found.get("web_url"), str(found["key"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return demo if Path(demo.url.removeprefix("sqlite:///")).exists() else None


@contextmanager
def _announced(demo: RunningDemo) -> Iterator[None]:
    """Tell later demos where this one is, for as long as it runs; only this user may read
    it, as it holds the demo's link key."""
    fd = os.open(DEMO_MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as marker:
        json.dump({"pid": os.getpid(), **asdict(demo)}, marker)
    try:
        yield
    finally:
        DEMO_MARKER.unlink(missing_ok=True)


def run_demo(settings: Settings, person_key: str, with_web: bool, fresh: bool = False) -> None:
    """Start a demo, or join the one already running (unless `fresh`): same database."""
    running = None if fresh else _running_demo()
    if running is not None:
        engine = make_engine(running.url)
        _chat(engine, person_key, running.web_url, LinkKey(running.key), joined=True)
        return
    secret = settings.alliancebot_secret_key
    key = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="alliancebot-demo-") as directory:
        url = build_demo_database(Path(directory))
        engine = make_engine(url)
        with session_scope(engine) as session:
            # as this morning's clock job would: the flags list shows what detection stored
            refresh_follow_up_flags(session, get_alliance(session))
        web_url = None
        if with_web:
            port = _free_port(settings.port)
            config = uvicorn.Config(
                create_web_app(engine), host="127.0.0.1", port=port, log_level="warning"
            )
            server = uvicorn.Server(config)
            threading.Thread(target=server.run, daemon=True).start()
            web_url = f"http://127.0.0.1:{port}/"
        with _announced(RunningDemo(url, web_url, key)):
            _chat(engine, person_key, web_url, LinkKey(key), joined=False)


def _chat(engine: Engine, person_key: str, web_url: str | None, key: LinkKey, joined: bool) -> None:
    """The banner in the person's own language, then the console chat."""
    out = sys.stdout
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        person = person_by_key(session, alliance.id or 0, person_key)
        zone = ZoneInfo(timezone_of(person, alliance) if person else alliance.timezone)
        texts = Texts(language_of(person, alliance), str(zone))
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
            alliance_name=alliance.name,
            web_url=web_url,
            person_key=person_key,
            planned=[] if joined else planned,
            joined=joined,
        )
    out.write(render_plain(Reply.from_markup(banner)) + "\n\n")
    out.flush()
    try:
        # links in replies (a toolkit page) lead to this demo's own web app, on its port
        public_url = (web_url or "").rstrip("/")
        run_console(engine, person_key, sys.stdin, out, True, public_url=public_url, link_key=key)
    finally:
        engine.dispose()
