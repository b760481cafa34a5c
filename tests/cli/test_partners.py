"""`partners profile KEY [--json]`, `partners profiles --csv` and `spokespeople ... --json`."""

from __future__ import annotations

import csv
import io
import json

from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Partner
from bot.core.needs import save_profile
from bot.db import make_engine, session_scope

runner = CliRunner()
FIELDS = ["needs", "brings", "own_goal", "interests", "constituency_needs", "no_go", "proud_of"]


def _run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _profile(env: dict[str, str]) -> None:
    engine = make_engine(env["DATABASE_URL"])
    with session_scope(engine) as session:
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        answers = {"needs": "Kennis", "no_go": "Geen reclame"}
        save_profile(session, get_alliance(session), partner, None, answers, ["needs"])
    engine.dispose()


def test_a_profile_as_json_has_every_field_and_what_is_shared(env: dict[str, str]) -> None:
    code, out, err = _run(env, "partners", "profile", "woonkracht", "--json")
    assert code == 0, err
    assert json.loads(out) == {"partner": "woonkracht", "version": 0, "shared": []} | dict.fromkeys(
        FIELDS, ""
    )
    _profile(env)
    code, out, _err = _run(env, "partners", "profile", "woonkracht", "--json")
    document = json.loads(out)
    assert list(document) == ["partner", "version", *FIELDS, "shared"]
    assert (document["version"], document["needs"], document["shared"]) == (1, "Kennis", ["needs"])
    code, out, _err = _run(env, "partners", "profile", "woonkracht")
    assert "* needs" in out and "  no_go" in out


def test_an_unknown_partner_is_a_clear_error(env: dict[str, str]) -> None:
    code, out, err = _run(env, "partners", "profile", "wonkracht", "--json")
    assert code != 0 and out == "" and "wonkracht" in err


def test_profiles_as_csv_one_row_per_partner(env: dict[str, str]) -> None:
    _profile(env)
    code, out, err = _run(env, "partners", "profiles", "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 6
    row = next(r for r in rows if r["partner"] == "woonkracht")
    assert (row["version"], row["needs"], row["no_go"], row["shared"]) == (
        "1",
        "Kennis",
        "Geen reclame",
        "needs",
    )


def test_spokespeople_add_list_remove(env: dict[str, str]) -> None:
    code, out, err = _run(
        env, "spokespeople", "add", "1", "Jan de Wit", "--function", "directeur",
        "--partner", "woonkracht", "--json",
    )  # fmt: skip
    assert code == 0, err
    added = json.loads(out)
    assert added["partner"] == "woonkracht" and added["pillar"] == 1
    code, out, _err = _run(env, "spokespeople", "add", "wonen", "Els Kok", "--json")
    assert json.loads(out)["partner"] is None and json.loads(out)["theme"] == "wonen"
    code, out, _err = _run(env, "spokespeople", "list", "--json")
    assert [r["name"] for r in json.loads(out)] == ["Jan de Wit", "Els Kok"]
    assert json.loads(out)[1]["organisation"] == "Alliantie Langer Thuis Rivierenland"
    code, _out, err = _run(env, "spokespeople", "add", "1", "X", "--partner", "nope")
    assert code != 0 and "partner" in err
    assert _run(env, "spokespeople", "remove", str(added["id"]))[0] == 0
    code, out, _err = _run(env, "spokespeople", "list", "--json")
    assert [r["name"] for r in json.loads(out)] == ["Els Kok"]
    code, _out, err = _run(env, "spokespeople", "remove", "999")
    assert code != 0 and "list" in err
