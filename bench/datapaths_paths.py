"""The data paths measured, each with its baseline: reading the same rows once.

A baseline is a plain `SELECT` of the rows a path has to look at, fetched into Python,
with no rule, template or plan applied: what the path costs at the least on this database
and this machine, measured in the same run. A path that writes is rolled back after each
measurement, so every repetition starts from the same year of data.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine, text
from sqlmodel import Session

from bot.adapters.slack_home import HomeTab
from bot.cli.agreements import agreements_flags_command
from bot.core.alliance import get_alliance
from bot.core.dispatch import command_from_text, handle, home
from bot.core.followup import follow_up_flags, refresh_follow_up_flags
from bot.core.jobs import JobEdge, run_job
from bot.core.kernel import Texts, person_by_key
from bot.core.pulse import close_round, results_reply
from bot.core.toolkit import plan_snippets
from bot.render.slack import render_slack
from bot.settings import Settings

Action = Callable[[Session], object]
DAILY_JOBS = ("checkins", "flags", "agendas", "inbox", "pulse_close")


@dataclass(frozen=True)
class DataPath:
    name: str
    operation: Action
    baseline: Action
    repeat: int = 3


def _timed(engine: Engine, action: Action) -> float:
    """One run in a fresh session, rolled back after."""
    with Session(engine) as session:
        started = time.perf_counter()
        action(session)
        seconds = time.perf_counter() - started
        session.rollback()
    return seconds


def best_time(engine: Engine, action: Action, repeat: int) -> float:
    """The fastest of `repeat` runs."""
    return min(_timed(engine, action) for _ in range(repeat))


def best_pair(engine: Engine, path: DataPath) -> tuple[float, float]:
    """The path's and its baseline's fastest runs, taken in turns (at least three of the
    baseline), so that both meet the same load on a shared machine."""
    operation: list[float] = []
    baseline: list[float] = []
    for turn in range(max(path.repeat, 3)):
        if turn < path.repeat:
            operation.append(_timed(engine, path.operation))
        baseline.append(_timed(engine, path.baseline))
    return min(operation), min(baseline)


def _read(*queries: str, **params: Any) -> Action:
    """The baseline: each query's rows fetched into Python, nothing else."""

    def read(session: Session) -> object:
        return [session.execute(text(sql), params).all() for sql in queries]

    return read


# --- the rows each path has to read ----------------------------------------------------------

AGREEMENTS = (
    "SELECT id, owner_partner_id, region_id, made_on, due_on, done_on, status FROM agreement"
)
SENT_CHECKINS = (
    "SELECT agreement_id, sent_at FROM delivery WHERE kind = 'checkin' AND status = 'sent'"
)
ANSWERS = "SELECT agreement_id, created_at FROM checkin"
OPEN_FLAGS = "SELECT * FROM flag WHERE ended_at IS NULL"
OPEN_SIGNALS = "SELECT * FROM signal WHERE status <> 'closed'"
PEOPLE = "SELECT p.*, i.* FROM person p JOIN identity i ON i.person_id = p.id"
UPCOMING = "SELECT * FROM agendaitem WHERE starts_at > :now AND starts_at <= :until"
UPCOMING_SNIPPETS = (
    "SELECT d.* FROM delivery d JOIN agendaitem a ON a.id = d.agenda_item_id"
    " WHERE d.kind = 'snippet' AND a.starts_at > :now AND a.starts_at <= :until"
)
DUE_AGREEMENTS = (
    "SELECT * FROM agreement WHERE status = 'open' AND due_on >= :since AND due_on <= :until"
)
PENDING_CHECKINS = "SELECT * FROM delivery WHERE kind = 'checkin' AND status = 'pending'"
INBOX = "SELECT id, status, done_at FROM inbound"
ALL_ANSWERS = (
    "SELECT a.*, q.key, q.round_id FROM pulseanswer a JOIN pulsequestion q ON q.id = a.question_id"
)
CLOSED_ANSWERS = ALL_ANSWERS + (
    " JOIN pulseround r ON r.id = q.round_id WHERE r.closed_at IS NOT NULL"
)


def flag_rows() -> Action:
    return _read(AGREEMENTS, SENT_CHECKINS, ANSWERS)


def planning_rows(now: datetime) -> Action:
    return _read(PEOPLE, UPCOMING, UPCOMING_SNIPPETS, now=now, until=now + timedelta(weeks=8))


def checkin_rows(now: datetime) -> Action:
    since, until = now.date() - timedelta(days=21), now.date() + timedelta(days=60)
    return _read(DUE_AGREEMENTS, ANSWERS, PEOPLE, PENDING_CHECKINS, since=since, until=until)


def home_rows(now: datetime) -> Action:
    agenda = _read(UPCOMING, UPCOMING_SNIPPETS, now=now, until=now + timedelta(days=21))
    rest = _read(OPEN_FLAGS, OPEN_SIGNALS, CLOSED_ANSWERS, "SELECT * FROM houseversion")
    return _both(agenda, rest)


def _both(*actions: Action) -> Action:
    def both(session: Session) -> object:
        return [action(session) for action in actions]

    return both


# --- the operations ---------------------------------------------------------------------------


def _no_calendars(requests: object) -> dict[Any, Any]:
    """The clock's calendar edge with nothing to fetch: the seeded agendas are already in."""
    return {}


EDGE = JobEdge(calendars=_no_calendars)


def _job(name: str, now: datetime) -> Action:
    return lambda session: run_job(session, name, now, EDGE)


def _lead(session: Session) -> int:
    person = person_by_key(session, get_alliance(session).id or 0, "lead")
    assert person is not None, "the seed adds the alliance's lead adviser"
    return person.id or 0


def _signalen(session: Session) -> object:
    reply = handle(session, command_from_text(_lead(session), "flags", "slack"))
    return render_slack(reply)


def _cli_flags(url: str) -> Action:
    """`alliancebot agreements flags --json` in this process (no interpreter start): its
    own engine, schema check, unit of work and JSON, as an adviser runs it."""

    def cli(_session: Session) -> object:
        saved = os.environ.get("DATABASE_URL")
        os.environ["DATABASE_URL"] = url
        try:
            with contextlib.redirect_stdout(io.StringIO()) as out:
                agreements_flags_command(as_json=True, as_of=None)
        finally:
            if saved is None:
                del os.environ["DATABASE_URL"]
            else:
                os.environ["DATABASE_URL"] = saved
        return out.getvalue()

    return cli


def home_tab(engine: Engine) -> HomeTab:
    settings = Settings(
        slack_bot_token=SecretStr("xoxb-bench"), public_url="https://bench.example.org"
    )
    return HomeTab(engine, settings)


def _results(session: Session) -> object:
    alliance = get_alliance(session)
    return render_slack(results_reply(session, alliance, Texts(alliance.language), False))


def paths(engine: Engine, url: str, now: datetime) -> list[DataPath]:
    """Every path of the issue, in the order of the table."""
    today = now.date()
    tab = home_tab(engine)
    flags = flag_rows()
    return [
        DataPath(
            "flags: clock job (detect, episodes)",
            lambda s: refresh_follow_up_flags(s, get_alliance(s), now),
            flags,
        ),
        DataPath(
            "flags: detection (follow_up_flags)",
            lambda s: follow_up_flags(s, get_alliance(s), today),
            flags,
        ),
        DataPath("flags: `agreements flags --json` (CLI)", _cli_flags(url), flags),
        DataPath("flags: `signalen` (chat read)", _signalen, _read(OPEN_FLAGS, OPEN_SIGNALS)),
        *[
            DataPath(f"daily job: {name}", _job(name, now), base, repeat)
            for name, base, repeat in (
                ("checkins", checkin_rows(now), 1),
                ("flags", flags, 3),
                ("agendas", planning_rows(now), 1),
                ("inbox", _read(INBOX), 3),
                ("pulse_close", _read("SELECT * FROM pulseround"), 3),
            )
        ],
        DataPath(
            "pulse: close round (every respondent told)",
            lambda s: close_round(s, get_alliance(s), now),
            _read(ALL_ANSWERS, PEOPLE),
            1,
        ),
        DataPath("pulse: results report", _results, _read(CLOSED_ANSWERS)),
        DataPath("App Home: core page", lambda s: home(s, _lead(s), "slack"), home_rows(now)),
        DataPath("App Home: Slack view", lambda s: tab.view_in(s, _lead(s)), home_rows(now)),
    ]


def planning_path(now: datetime) -> DataPath:
    """Planning from scratch: no snippet planned yet for the coming eight weeks."""
    return DataPath(
        "planning: plan_snippets (first run)",
        lambda s: plan_snippets(s, get_alliance(s), now),
        planning_rows(now),
        1,
    )


def settle(engine: Engine, now: datetime) -> None:
    """What the clock did by now: snippets planned and flags evaluated (committed)."""
    with Session(engine) as session:
        alliance = get_alliance(session)
        plan_snippets(session, alliance, now)
        refresh_follow_up_flags(session, alliance, now)
        session.commit()


def home_blocks(engine: Engine) -> tuple[int, int]:
    """Blocks the lead adviser's App Home view holds, and blocks its page renders to in all
    (Slack shows at most 100 in a view: more means something was cut or split)."""
    tab = home_tab(engine)
    with Session(engine) as session:
        view = tab.view_in(session, _lead(session))
        page = home(session, _lead(session), "slack")
        assert page is not None
        replies = [part.reply for part in page.parts]
        full = sum(len(m.blocks) for reply in replies for m in render_slack(reply))
    return len(view.get("blocks", [])), full
