"""`alliancebot pulse close` and `pulse report` (text, --json, --csv, --chart) on the demo."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.kernel.models import Person
from bot.core.pulse.export import CSV_HEADER
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound
from bot.db import make_engine
from bot.demo.run import build_demo_database

runner = CliRunner()
TODAY = date(2026, 11, 22)
DEMO_ROUNDS = 12


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with months of history, built once; each test gets its own copy."""
    directory = tmp_path_factory.mktemp("demo")
    url = build_demo_database(directory, today=TODAY)
    return Path(url.removeprefix("sqlite:///"))


@pytest.fixture
def env(demo_file: Path, tmp_path: Path) -> dict[str, str]:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_file, copy)
    return {"DATABASE_URL": f"sqlite:///{copy}", "ALLIANCEBOT_CONFIG": ""}


@pytest.fixture
def fresh(tmp_path: Path) -> dict[str, str]:
    """The demo alliance without any history."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "ALLIANCEBOT_CONFIG": ""}
    demo = Path(__file__).parents[2] / "bot" / "demo" / "alliance.toml"
    result = runner.invoke(app, ["init", str(demo)], env=env)
    assert result.exit_code == 0, result.output
    return env


@pytest.fixture
def session(env: dict[str, str]) -> Iterator[Session]:
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        yield session
    engine.dispose()


def invoke(env: dict[str, str], *args: str) -> Any:
    return runner.invoke(app, ["pulse", *args], env=env)


def half_up(total: int, count: int) -> float:
    """One decimal, rounded half up, worked out independently of the code under test."""
    tenths, rest = divmod(total * 10, count)
    return (tenths + (1 if 2 * rest >= count else 0)) / 10


def alliance_by_hand(session: Session) -> dict[int, tuple[int, float, float]]:
    """Per closed round: respondents with energy and trust, and their means, from the rows."""
    rows = session.exec(
        select(PulseQuestion.round_id, PulseQuestion.key, PulseAnswer.person_id, PulseAnswer.value)
        .join(PulseAnswer, col(PulseAnswer.question_id) == col(PulseQuestion.id))
        .join(PulseRound, col(PulseRound.id) == col(PulseQuestion.round_id))
        .where(col(PulseRound.closed_at).is_not(None))
    ).all()
    answers: dict[int, dict[int, dict[str, int]]] = {}
    for round_id, key, person_id, value in rows:
        if value is not None:
            answers.setdefault(round_id, {}).setdefault(person_id, {})[key] = value
    result = {}
    for round_id, people in answers.items():
        complete = [a for a in people.values() if "energy" in a and "trust" in a]
        n = len(complete)
        energy = sum(a["energy"] for a in complete)
        trust = sum(a["trust"] for a in complete)
        result[round_id] = (n, half_up(energy, n), half_up(trust, n))
    return result


# --- close ----------------------------------------------------------------------------------


def test_close_without_an_open_round_says_so(env: dict[str, str]) -> None:
    result = invoke(env, "close")
    assert result.exit_code == 1
    assert "There is no open pulse round to close." in result.stderr
    assert result.stdout == ""


def test_close_closes_the_open_round(env: dict[str, str]) -> None:
    opened = invoke(env, "open", "--json")
    assert opened.exit_code == 0, opened.output
    round_id = json.loads(opened.stdout)["id"]
    closed = invoke(env, "close")
    assert closed.exit_code == 0, closed.output
    assert f"Closed pulse round {round_id}." in closed.stdout
    engine = make_engine(env["DATABASE_URL"])
    with Session(engine) as session:
        pulse_round = session.get(PulseRound, round_id)
        assert pulse_round is not None and pulse_round.closed_at is not None
        assert not session.exec(select(PulseRound).where(col(PulseRound.closed_at).is_(None))).all()
    engine.dispose()
    again = invoke(env, "close")
    assert again.exit_code == 1
    assert "There is no open pulse round to close." in again.stderr
    # nobody answered: the round is in the report, showing nothing
    rounds = json.loads(invoke(env, "report", "--json").stdout)["rounds"]
    assert len(rounds) == DEMO_ROUNDS + 1
    assert rounds[-1]["id"] == round_id
    assert rounds[-1]["groups"] == []


# --- report ---------------------------------------------------------------------------------


def test_report_json_has_exactly_the_contract_shape(env: dict[str, str], session: Session) -> None:
    result = invoke(env, "report", "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    document = json.loads(result.stdout)
    assert list(document) == ["rounds"]
    rounds = document["rounds"]
    assert len(rounds) == DEMO_ROUNDS
    by_hand = alliance_by_hand(session)
    opened = []
    for r in rounds:
        assert {"id", "opened_at", "closed_at", "groups"} <= set(r)
        assert isinstance(r["id"], int)
        opened.append(datetime.fromisoformat(r["opened_at"]))
        assert datetime.fromisoformat(r["closed_at"]) > opened[-1]
        assert r["groups"], "the demo's rounds have enough respondents"
        for g in r["groups"]:
            assert {"level", "key", "respondents", "energy", "trust"} <= set(g)
            assert g["level"] in ("alliance", "region", "partner")
            assert isinstance(g["key"], str)
            assert isinstance(g["respondents"], int) and g["respondents"] >= 3
            assert isinstance(g["energy"], float) and 1.0 <= g["energy"] <= 5.0
            assert isinstance(g["trust"], float) and 1.0 <= g["trust"] <= 5.0
            assert round(g["energy"], 1) == g["energy"]
        whole = r["groups"][0]
        assert (whole["level"], whole["key"]) == ("alliance", "alliance")
        assert (whole["respondents"], whole["energy"], whole["trust"]) == by_hand[r["id"]]
        for level in ("region", "partner"):
            shown = sum(g["respondents"] for g in r["groups"] if g["level"] == level)
            residual = whole["respondents"] - shown
            assert residual == 0 or residual >= 3, "what is left over is 0 or 3 people or more"
    assert opened == sorted(opened), "oldest round first"
    assert (opened[-1].date() - opened[0].date()).days == 14 * (DEMO_ROUNDS - 1)
    assert len({r["id"] for r in rounds}) == DEMO_ROUNDS


def test_report_csv_holds_aggregates_only(env: dict[str, str], session: Session) -> None:
    result = invoke(env, "report", "--csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "round,opened_at,closed_at,level,key,name,respondents,energy,trust,"
        "ambition,interests,relationship,organisation,process"
    )
    assert tuple(lines[0].split(",")) == CSV_HEADER
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    document = json.loads(invoke(env, "report", "--json").stdout)
    expected = [
        (str(r["id"]), g["level"], g["key"], str(g["respondents"]), str(g["energy"]))
        for r in document["rounds"]
        for g in r["groups"]
    ]
    assert [
        (row["round"], row["level"], row["key"], row["respondents"], row["energy"]) for row in rows
    ] == expected
    assert all(int(row["respondents"]) >= 3 for row in rows)
    assert all(None not in row and len(row) == len(CSV_HEADER) for row in rows)
    people = session.exec(select(Person)).all()
    for person in people:  # no person, no single answer
        assert person.name not in result.stdout
        assert f",{person.key}," not in result.stdout
    assert all(re.fullmatch(r"[1-5]\.\d", row[m]) for row in rows for m in ("energy", "trust"))


def test_report_text_lists_the_shown_groups(env: dict[str, str], session: Session) -> None:
    result = invoke(env, "report")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Groups with fewer than 3 respondents are not shown.\n")
    document = json.loads(invoke(env, "report", "--json").stdout)
    for r in document["rounds"]:
        opened = date.fromisoformat(r["opened_at"][:10])  # the alliance's day, as JSON says
        assert f"Round {r['id']}, opened {opened.day} {opened:%B} {opened.year}:" in text
    latest = document["rounds"][-1]
    block = text.split(f"Round {latest['id']},")[1]
    for g in latest["groups"]:
        assert f"n={g['respondents']}" in block
        assert f"energy {g['energy']:.1f}, trust {g['trust']:.1f}" in block
    assert "Alliantie Langer Thuis Rivierenland" in block
    assert text.count("n=") == sum(len(r["groups"]) for r in document["rounds"])


def test_report_text_in_dutch_has_dutch_words_dates_and_decimal_commas(
    env: dict[str, str],
) -> None:
    document = json.loads(invoke(env, "report", "--json").stdout)
    result = runner.invoke(app, ["--lang", "nl", "pulse", "report"], env=env)
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("Groepen met minder dan 3 deelnemers worden niet getoond.\n")
    latest = document["rounds"][-1]
    block = text.split(f"Ronde {latest['id']}, geopend op")[1]
    for g in latest["groups"]:
        energy, trust = (f"{g[m]:.1f}".replace(".", ",") for m in ("energy", "trust"))
        assert f"energie {energy}, vertrouwen {trust}" in block
    assert "energy" not in text and "trust" not in text
    assert not re.search(r"\d\.\d", text), "a decimal point in Dutch"


def test_report_chart_writes_a_png(env: dict[str, str], tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    result = invoke(env, "report", "--json", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rounds"], "--chart comes on top of the report"
    with Image.open(chart) as image:
        assert image.format == "PNG"
        assert image.size[0] >= 600
        assert image.size[1] >= 600


def test_json_and_csv_together_are_refused(env: dict[str, str], tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    result = invoke(env, "report", "--json", "--csv", "--chart", str(chart))
    assert result.exit_code != 0
    assert "Choose one of --json and --csv." in result.stderr
    assert result.stdout == ""
    assert not chart.exists(), "a refused command writes nothing"


def test_report_before_any_round_closed(fresh: dict[str, str]) -> None:
    text = invoke(fresh, "report")
    assert text.exit_code == 0 and text.stdout == "No pulse round has closed yet.\n"
    document = invoke(fresh, "report", "--json")
    assert json.loads(document.stdout) == {"rounds": []}
    table = invoke(fresh, "report", "--csv")
    assert table.stdout == ",".join(CSV_HEADER) + "\n"
    closed = invoke(fresh, "close")
    assert closed.exit_code == 1 and "no open pulse round" in closed.stderr


def test_pulse_open_can_ask_partner_contacts_too_and_refuses_unknown_roles(
    fresh: dict[str, str],
) -> None:
    wrong = runner.invoke(app, ["pulse", "open", "--audience", "boss"], env=fresh)
    assert wrong.exit_code == 1 and "boss" in wrong.output and "Traceback" not in wrong.output
    opened = runner.invoke(
        app, ["pulse", "open", "--json", "--audience", "ambassador,partner"], env=fresh
    )
    assert opened.exit_code == 0, opened.output
    document = json.loads(opened.stdout)
    # nine ambassadors and the partner contacts (people with the partner role) of the demo
    partner_role = 3  # two partner contacts and one adviser who is also a contact
    assert document["invited"] + document["unreachable"] == 9 + partner_role
