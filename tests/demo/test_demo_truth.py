"""The demo tells one story: chat, measures, flags and the JSON of one database agree.

Before, 62 of the 82 demo agreements had a completion date but status `open`, so `afspraken`
listed 80 open and late agreements while `agreements measures` called a partner 100% on time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.adapters.console import Conversation
from bot.cli import app
from bot.core.alliance import get_alliance
from bot.core.followup import Agreement, AgreementStatus, refresh_follow_up_flags
from bot.db import make_engine
from bot.demo.run import build_demo_database

CLOSED = {"done", "dropped"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database as of today (the chat knows no other day), with this morning's flags."""
    url = build_demo_database(tmp_path_factory.mktemp("truth"), today=date.today())
    engine = make_engine(url)
    with Session(engine) as session:
        refresh_follow_up_flags(session, get_alliance(session))
        session.commit()
    engine.dispose()
    yield url


def _cli(url: str, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--json"], env={"DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _chat(url: str, person: str, line: str) -> str:
    engine = make_engine(url)
    try:
        return Conversation(engine, person).answer(line)
    finally:
        engine.dispose()


def test_every_agreement_s_status_agrees_with_its_dates(demo: str) -> None:
    engine = make_engine(demo)
    with Session(engine) as session:
        agreements = session.exec(select(Agreement)).all()
    engine.dispose()
    today = date.today()
    for a in agreements:
        assert (a.done_on is not None) == (a.status == AgreementStatus.DONE), a.key
        assert a.done_on is None or a.made_on <= a.done_on <= today, a.key
    states = {a.status for a in agreements}
    assert {AgreementStatus.DONE, AgreementStatus.STUCK, AgreementStatus.OPEN} <= states
    done = [a for a in agreements if a.done_on is not None]
    late = [a for a in done if a.done_on is not None and a.done_on > a.due_on]
    assert len(done) > len(agreements) / 2  # most agreements were kept ...
    assert 0 < len(late) < len(done) / 2  # ... some of them late


def test_afspraken_lists_exactly_what_the_json_calls_open(demo: str) -> None:
    rows = {row["key"]: row for row in _cli(demo, "agreements", "list")}
    open_keys = {k for k, row in rows.items() if row["status"] not in CLOSED}
    reply = _chat(demo, "anna", "afspraken")
    shown = set(re.findall(r"^• (A\d{3})\b", reply, re.M))  # the listed items (one page)
    assert shown and shown <= open_keys
    # the count the reply gives ("18 afspraken, pagina 1 van 2") is the JSON's count of open ones
    counted = re.search(r"(\d+) (?:afspraken|agreements)\b", reply)
    assert counted is not None and int(counted.group(1)) == len(open_keys), reply
    today = date.today().isoformat()
    for line in reply.splitlines():
        key = re.match(r"• (A\d{3})\b", line)
        if key:  # an item, not a button or the hint under the list
            overdue = rows[key.group(1)]["due_on"] < today
            assert ("te laat" in line or "overdue" in line) == overdue, line


def test_measures_count_what_the_json_shows(demo: str) -> None:
    rows = _cli(demo, "agreements", "list")
    today = date.today().isoformat()
    for measure in _cli(demo, "agreements", "measures"):
        if measure["level"] != "partner":
            continue
        mine = [
            r
            for r in rows
            if r["owner"] == measure["key"]
            and r["status"] != "dropped"
            and r["made_on"] <= today
            and r["due_on"] < today
        ]
        overdue = [r for r in mine if r["done_on"] is None or r["done_on"] > today]
        on_time = [r for r in mine if r["done_on"] is not None and r["done_on"] <= r["due_on"]]
        assert measure["due"] == len(mine), measure["key"]
        assert measure["overdue"] == len(overdue), measure["key"]
        assert measure["on_time"] == len(on_time), measure["key"]
        # and an overdue agreement is one the JSON calls open: never `done` with a late date
        assert all(r["status"] not in CLOSED for r in overdue)


def test_flags_name_the_partner_whose_open_agreements_pile_up(demo: str) -> None:
    rows = _cli(demo, "agreements", "list")
    flags = _cli(demo, "agreements", "flags")
    measures = {(m["level"], m["key"]): m for m in _cli(demo, "agreements", "measures")}
    assert [(f["level"], f["key"]) for f in flags] == [("partner", "woonkracht")]
    today = date.today().isoformat()
    for flag in flags:
        since = flag["since"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", since)  # a day, not a UTC moment
        open_since = [
            r
            for r in rows
            if r["owner"] == flag["key"]
            and since <= r["due_on"] < today
            and r["status"] not in CLOSED
        ]
        assert flag["numbers"]["after"]["open"] == len(open_since)
        assert str(len(open_since)) in flag["explanation"]
        assert measures[("partner", flag["key"])]["overdue"] >= len(open_since)
        # the partner the flag names is not one the measures call punctual
        assert measures[("partner", flag["key"])]["on_time_rate"] < 0.9


def _start(args: list[str], marker: Path, tmp: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PORT": "0",
        "DATABASE_URL": f"sqlite:///{tmp / 'untouched.db'}",
        "ALLIANCEBOT_DEMO_MARKER": str(marker),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_a_second_demo_joins_the_running_one(tmp_path: Path) -> None:
    """Anna opens a poll in the demo; Gerda, started as a second demo, is asked it."""
    marker = tmp_path / "demo.json"
    anna = _start(["--no-web"], marker, tmp_path)
    assert anna.stdin is not None and anna.stdout is not None
    try:
        anna.stdin.write("peiling open\n")
        anna.stdin.flush()
        for line in anna.stdout:
            if "Peilronde geopend tot" in line:
                break
        else:
            pytest.fail("Anna's demo ended before the round opened")
        assert marker.exists()
        gerda = _start(["--as", "gerda"], marker, tmp_path)
        output, errors = gerda.communicate("peiling\nquit\n", timeout=120)
        assert gerda.returncode == 0, errors
        assert "dezelfde database" in output  # she joined, and is told so
        assert "1/" in output  # the first question of the round Anna opened
        assert "geen peiling open" not in output.lower()
    finally:
        anna.communicate("quit\n", timeout=60)
    assert not marker.exists()  # the demo that ended no longer invites anyone to join it
    assert not (tmp_path / "untouched.db").exists()


def test_a_fresh_demo_joins_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "demo.json"
    marker.write_text(json.dumps({"pid": 2**22 + 12345, "url": "sqlite:////nowhere/x.db"}))
    demo = _start(["--no-web"], marker, tmp_path)
    output, errors = demo.communicate("quit\n", timeout=120)
    assert demo.returncode == 0, errors
    assert "Demo-alliantie" in output and "dezelfde database" not in output


def test_the_english_adviser_s_banner_is_english(tmp_path: Path) -> None:
    frank = _start(["--no-web", "--as", "frank", "--fresh"], tmp_path / "demo.json", tmp_path)
    output, errors = frank.communicate("quit\n", timeout=120)
    assert frank.returncode == 0, errors
    assert "Demo alliance:" in output and "Demo-alliantie" not in output
    assert "Try: house, pulse" in output


@pytest.mark.parametrize("person", ["anna", "gerda", "frank"])
def test_every_command_in_help_answers_without_contradicting_the_json(
    demo: str, person: str
) -> None:
    """Anna (adviser), Gerda (ambassador) and Frank (adviser, English) try every command
    their `help` lists; no reply fails, and no agreement a reply shows is closed in JSON."""
    rows = {row["key"]: row for row in _cli(demo, "agreements", "list")}
    help_reply = _chat(demo, person, "help")
    commands = re.findall(r"^• (\w+)", help_reply, re.M)
    assert len(commands) >= 6, help_reply
    for command in commands:
        reply = _chat(demo, person, command)
        assert "went wrong" not in reply and "ging bij mij iets mis" not in reply, command
        assert "I don't know the command" not in reply and "ken ik niet" not in reply
        if command in ("afspraken", "agreements"):
            shown = set(re.findall(r"\bA\d{3}\b", reply))
            assert all(rows[key]["status"] not in CLOSED for key in shown), command
