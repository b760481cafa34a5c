"""`harvest list`, `agreements move/drop/history` and the CSV's `status` and `note` columns."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.alliance.load import get_alliance
from bot.core.followup.models import Agreement
from bot.core.harvest import add_harvest
from bot.core.kernel.models import Person
from bot.db import make_engine, session_scope

runner = CliRunner()
HEADER = "key,text,owner,region,made_on,due_on,done_on,status,note\n"
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+01:00$")


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _import(env: dict[str, str], tmp_path: Path, body: str) -> tuple[int, str, str]:
    path = tmp_path / "afspraken.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return _run(env, "agreements", "import", str(path))


def _listed(env: dict[str, str]) -> dict[str, dict[str, object]]:
    code, out, err = _run(env, "agreements", "list", "--json")
    assert code == 0, err
    return {row["key"]: row for row in json.loads(out)}


def test_harvest_list_json_and_csv_shapes(env: dict[str, str], tmp_path: Path) -> None:
    assert _import(env, tmp_path, "A1,Avond,woonkracht,,2026-10-01,2026-11-20,,,\n")[0] == 0
    engine = make_engine(env["DATABASE_URL"])
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        agreement = session.exec(select(Agreement)).one()
        harvest = add_harvest(session, alliance, anna, "45 huurders", 45.0, agreement)
        harvest.created_at = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
        add_harvest(session, alliance, None, "Zonder partner")
    engine.dispose()
    code, out, err = _run(env, "harvest", "list", "--json")
    assert code == 0, err
    rows = json.loads(out)
    assert {"id", "agreement", "partner", "text", "figure", "created_at"} <= set(rows[0])
    first = rows[0]
    assert (first["agreement"], first["partner"], first["text"], first["figure"]) == (
        "A1",
        "woonkracht",
        "45 huurders",
        45.0,
    )
    assert first["created_at"] == "2026-11-21T15:00:00+01:00"
    assert rows[1]["agreement"] is None and rows[1]["partner"] is None
    assert rows[1]["figure"] is None and OFFSET.match(rows[1]["created_at"])
    code, out, _err = _run(env, "harvest", "list", "--csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and table[0]["text"] == "45 huurders" and table[1]["figure"] == ""
    assert _run(env, "harvest", "list", "--json", "--csv")[0] != 0


def test_harvest_list_says_when_there_is_none(env: dict[str, str]) -> None:
    code, out, _err = _run(env, "harvest", "list")
    assert code == 0 and "No results harvested yet." in out
    assert json.loads(_run(env, "harvest", "list", "--json")[1]) == []


def test_move_and_drop_on_the_command_line_keep_the_history(
    env: dict[str, str], tmp_path: Path
) -> None:
    _import(env, tmp_path, "A1,Avond,woonkracht,,2026-10-01,2026-11-20,,,\n")
    code, out, err = _run(
        env, "agreements", "move", "A1", "--due", "2026-12-20", "--reason", "Raad later"
    )
    assert code == 0, err
    assert "A1 moved to 20 December 2026" in out
    assert _listed(env)["A1"]["due_on"] == "2026-12-20"
    code, _out, err = _run(env, "agreements", "move", "A1", "--due", "20-12-2026", "--reason", "x")
    assert code != 0 and "--due '20-12-2026' is not a date" in err
    code, _out, err = _run(env, "agreements", "drop", "A9", "--reason", "x")
    assert code != 0 and "A9" in err
    code, _out, err = _run(env, "agreements", "drop", "A1", "--reason", " ")
    assert code != 0 and "--reason" in err
    code, _out, err = _run(env, "agreements", "drop", "A1", "--reason", "Anders", "--by", "anna")
    assert code == 0, err
    assert _listed(env)["A1"]["status"] == "dropped"
    code, out, err = _run(env, "agreements", "history", "A1", "--json")
    history = json.loads(out)
    assert [(h["kind"], h["old_due"], h["new_due"], h["reason"], h["by"]) for h in history] == [
        ("moved", "2026-11-20", "2026-12-20", "Raad later", "operator"),
        ("dropped", "2026-12-20", "2026-12-20", "Anders", "anna"),
    ]
    assert all(OFFSET.match(h["at"]) for h in history)


def test_the_csv_status_and_note_columns(env: dict[str, str], tmp_path: Path) -> None:
    code, _out, err = _import(
        env,
        tmp_path,
        "A1,Avond,woonkracht,,2026-10-01,2026-11-20,,,\n"
        "A2,Folder,woonkracht,,2026-10-01,2026-11-20,,dropped,Lokaal niet nodig\n",
    )
    assert code == 0, err
    rows = _listed(env)
    assert rows["A2"]["status"] == "dropped" and rows["A2"]["note"] == "Lokaal niet nodig"
    code, _out, err = _import(
        env,
        tmp_path,
        "A1,Avond,woonkracht,,2026-10-01,2026-12-01,,dropped,Past niet meer\n"
        "A2,Folder,woonkracht,,2026-10-01,2026-11-20,,open,Toch wel\n",
    )
    assert code == 0, err
    rows = _listed(env)
    assert (rows["A1"]["status"], rows["A1"]["due_on"]) == ("dropped", "2026-12-01")
    assert rows["A2"]["status"] == "open"
    reopened = json.loads(_run(env, "agreements", "history", "A2", "--json")[1])
    assert [(h["kind"], h["new_status"], h["reason"]) for h in reopened] == [
        ("reopened", "open", "Toch wel")
    ]
    history = json.loads(_run(env, "agreements", "history", "A1", "--json")[1])
    assert [(h["kind"], h["reason"], h["by"]) for h in history] == [
        ("moved", "Past niet meer", "csv"),
        ("dropped", "Past niet meer", "csv"),
    ]
    code, _out, err = _import(
        env,
        tmp_path,
        "A3,x,woonkracht,,2026-10-01,2026-11-20,,klaar,\n"
        "A4,x,woonkracht,,2026-10-01,2026-11-20,,done,\n"
        "A5,x,woonkracht,,2026-10-01,2026-11-20,2026-11-19,open,\n",
    )
    assert code != 0
    assert "line 2, status: 'klaar' is not one of open, done, dropped" in err
    assert "line 3, status: done needs a done_on date" in err
    assert "line 4, status: open, but done_on is filled in" in err
    with Session(make_engine(env["DATABASE_URL"])) as session:
        assert len(session.exec(select(Agreement)).all()) == 2  # nothing of the bad file


def test_a_result_proposed_as_proof_point_shows_in_the_proposal_then_in_the_house(
    env: dict[str, str], tmp_path: Path
) -> None:
    _import(env, tmp_path, "A1,Avond,woonkracht,,2026-10-01,2026-11-20,2026-11-19,,\n")
    added = ("45 huurders op de avond", "--figure", "45", "--agreement", "A1", "--by", "anna")
    code, out, err = _run(env, "harvest", "add", *added)
    assert "harvested" in out
    assert code == 0, err
    (row,) = json.loads(_run(env, "harvest", "list", "--json")[1])
    assert (row["agreement"], row["partner"], row["figure"]) == ("A1", "woonkracht", 45.0)
    code, _out, err = _run(
        env, "harvest", "propose", str(row["id"]), "--pillar", "9", "--by", "bram"
    )
    assert code != 0 and "pillar" in err
    code, _out, err = _run(env, "harvest", "propose", "999", "--pillar", "1", "--by", "bram")
    assert code != 0 and "999" in err
    code, _out, err = _run(
        env, "harvest", "propose", str(row["id"]), "--pillar", "1", "--by", "bram"
    )
    assert code == 0, err
    credited = "45 huurders op de avond (Woonkracht Rivierenland)"
    house = json.loads(_run(env, "house", "--json")[1])
    assert credited in house["proposal"]["pillars"][0]["proof"]
    assert credited not in house["pillars"][0]["proof"]
    advisers = ("anna", "bram", "chantal", "dirk", "emma", "frank")
    for adviser in advisers:
        assert _run(env, "house", "endorse", "--by", adviser)[0] == 0
    house = json.loads(_run(env, "house", "--json")[1])
    assert house["proposal"] is None and credited in house["pillars"][0]["proof"]
