"""The demo, chatted with as Anna, Gerda and Frank: every command in their help, no dead end.

Each person runs every line their own `help` shows (commands and each sub-command's
example), on one demo database; no reply is an error or points to a command line a chat
user cannot run, and what the replies say about agreements agrees with
`alliancebot agreements list --json` on the same database, asked after each reply.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from sqlalchemy import Engine
from typer.testing import CliRunner

from bot.cli import app
from bot.core.alliance.load import get_alliance
from bot.core.dispatch import command_from_text, handle
from bot.core.kernel.models import Partner
from bot.core.kernel.people import person_by_key
from bot.core.kernel.replies import BulletList, Reply, plain_text
from bot.db import make_engine, session_scope
from bot.demo.run import build_demo_database
from tests.fakes.conversation import words as _words

PEOPLE = ("anna", "gerda", "frank")
# what no reply may say: an error, a trace, or a way out that a chat user cannot take
FORBIDDEN = (
    "alliancebot ",
    "Traceback",
    "I don't know the command",
    "ken ik niet",
    "not available yet",
    "nog niet beschikbaar",
    "too long",
    "te lang",
)
DONE_WORDS = {"nl": "klaar", "en": "done"}
OPEN_STATES = ("open", "on_track", "stuck")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Engine, str]:
    url = build_demo_database(tmp_path_factory.mktemp("demo-chat"))
    return make_engine(url), url


def _ask(engine: Engine, who: str, text: str) -> tuple[Reply, str]:
    with session_scope(engine) as session:
        person = person_by_key(session, get_alliance(session).id or 0, who)
        assert person is not None and person.id is not None
        language = person.language or get_alliance(session).language
        reply = handle(session, command_from_text(person.id, text, "console"))
    return reply, language


def _help_lines(reply: Reply) -> list[str]:
    """What help tells this person to type: every code span in its list."""
    lines = []
    for block in reply.blocks:
        if isinstance(block, BulletList):
            lines.extend(span.text for item in block.items for span in item if span.code)
    return lines


def _agreements_json(url: str) -> dict[str, dict[str, Any]]:
    result = CliRunner().invoke(app, ["agreements", "list", "--json"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return {row["key"]: row for row in json.loads(result.stdout)}


def _check_listed(reply: Reply, rows: dict[str, dict[str, Any]], language: str) -> int:
    """Every agreement an `afspraken` reply lists has the JSON's due date and state; returns
    how many it checked (so that a list the check cannot read does not pass silently)."""
    checked = 0
    locale = "en_GB" if language == "en" else "nl"
    today = date.today()
    overdue = {"nl": "te laat", "en": "overdue"}[language]
    for block in reply.blocks:
        if not isinstance(block, BulletList):
            continue
        for item in block.items:
            key = item[0].text.strip() if item and item[0].bold else ""
            if key not in rows:
                continue
            row, text = rows[key], plain_text(item)
            checked += 1
            due = date.fromisoformat(row["due_on"])
            if row["status"] == "done":
                assert row["done_on"] is not None, key
                done_on = date.fromisoformat(row["done_on"])
                assert format_date(done_on, format="long", locale=locale) in text, (key, text)
                continue
            assert row["status"] in OPEN_STATES, (key, row["status"], text)
            assert format_date(due, format="long", locale=locale) in text, (key, text)
            assert (overdue in text) == (due < today), (key, text)
    return checked


def _check_total(
    typed: str, reply: Reply, rows: dict[str, dict[str, Any]], own: str | None = None
) -> None:
    """The count under a list is the number of matching agreements in the JSON."""
    match = re.search(r"(\d+) (?:afspraken|afspraak|agreements?)\b", _words(reply))
    if match is None:
        return
    words = typed.split()[1:]
    wanted = [r for r in rows.values() if r["status"] in OPEN_STATES]
    if any(w in {"klaar", "done"} for w in words):
        wanted = [r for r in rows.values() if r["status"] == "done"]
    owners = {w for w in words if any(r["owner"] == w for r in rows.values())}
    if own is not None:  # not an adviser: one's own organisation's only
        owners = {own}
    if owners:
        wanted = [r for r in wanted if r["owner"] in owners]
    if "laat" in words or "late" in words:
        wanted = [r for r in wanted if date.fromisoformat(r["due_on"]) < date.today()]
    if typed.split()[0] in {"afspraken", "agreements"}:
        assert int(match.group(1)) == len(wanted), (typed, _words(reply))


def _own_partner(engine: Engine, who: str) -> str | None:
    """A non-adviser's own partner key (their lists show only its agreements)."""
    with session_scope(engine) as session:
        person = person_by_key(session, get_alliance(session).id or 0, who)
        assert person is not None
        if "adviser" in person.role_set:
            return None
        partner = session.get(Partner, person.partner_id) if person.partner_id else None
        return partner.key if partner else ""


def _check_one(reply: Reply, rows: dict[str, dict[str, Any]], language: str) -> None:
    heading = _words(reply).split("\n", 1)[0]
    key = heading.rsplit(" ", 1)[-1]
    if key in rows and rows[key]["status"] == "done":
        assert DONE_WORDS[language] in _words(reply)


@pytest.mark.parametrize("who", PEOPLE)
def test_every_line_in_help_runs_and_agrees_with_the_json(
    demo: tuple[Engine, str], who: str
) -> None:
    engine, url = demo
    help_reply, language = _ask(engine, who, "help")
    lines = _help_lines(help_reply)
    assert len(lines) >= 10, lines
    checked = 0
    for typed in lines:
        reply, language = _ask(engine, who, typed)
        words = _words(reply)
        assert words.strip(), typed
        for bad in FORBIDDEN:
            assert bad not in words, (typed, words)
        name = typed.split()[0]
        if name in {"afspraken", "agreements", "afspraak", "agreement"}:
            rows = _agreements_json(url)
            checked += _check_listed(reply, rows, language)
            _check_total(typed, reply, rows, _own_partner(engine, who))
            if name in {"afspraak", "agreement"}:
                _check_one(reply, rows, language)
        explained, _language = _ask(engine, who, f"help {name}")
        assert _words(explained).startswith(name), (name, _words(explained))
    rows = _agreements_json(url)
    own = _own_partner(engine, who)
    visible = [r for r in rows.values() if own is None or r["owner"] == own]
    if any(r["status"] in OPEN_STATES for r in visible):  # then the lists showed some
        assert checked >= (10 if own is None else 1), f"{who}: the agreement lists were not read"


def test_the_finished_agreements_agree_with_the_json(demo: tuple[Engine, str]) -> None:
    engine, url = demo
    reply, language = _ask(engine, "anna", "afspraken klaar")
    rows = _agreements_json(url)
    done = [r for r in rows.values() if r["status"] == "done"]
    assert _check_listed(reply, rows, language) == min(len(done), 10)
    _check_total("afspraken klaar", reply, rows)


def test_the_demo_database_file_is_used(demo: tuple[Engine, str]) -> None:
    """The JSON above is read from the very database the chat wrote to."""
    engine, url = demo
    assert Path(url.removeprefix("sqlite:///")).exists()
    _ask(engine, "anna", "afspraken nieuw woonkracht 2030-01-31 Een afspraak uit de chat")
    assert any(r["text"] == "Een afspraak uit de chat" for r in _agreements_json(url).values())
