"""`agreements import` and `agreements list`: the spreadsheet road in."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

DEMO = Path(__file__).parents[2] / "bot" / "demo" / "alliance.toml"
runner = CliRunner()
HEADER = "key,text,owner,region,made_on,due_on,done_on,remark\n"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}"}
    assert runner.invoke(app, ["init", str(DEMO)], env=env).exit_code == 0
    return env


def _csv(tmp_path: Path, body: str, name: str = "afspraken.csv") -> Path:
    path = tmp_path / name
    path.write_text("\ufeff" + HEADER + body, encoding="utf-8")
    return path


def _listed(env: dict[str, str]) -> list[dict[str, object]]:
    result = runner.invoke(app, ["agreements", "list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_import_then_reimport_updates_by_key(env: dict[str, str], tmp_path: Path) -> None:
    first = _csv(
        tmp_path,
        "A1,Sprekers leveren,woonkracht,west,2026-10-01,2026-11-01,,extra column ignored\n"
        "A2,Nieuwsbrief,gemeente-tiel,,2026-10-05,2026-12-01,,\n",
    )
    result = runner.invoke(app, ["agreements", "import", str(first)], env=env)
    assert result.exit_code == 0, result.output
    assert "2 new, 0 updated" in result.stdout
    second = _csv(
        tmp_path, "A1,Sprekers leveren,woonkracht,west,2026-10-01,2026-11-01,2026-10-30,\n"
    )
    assert (
        "0 new, 1 updated"
        in runner.invoke(app, ["agreements", "import", str(second)], env=env).stdout
    )
    rows = {r["key"]: r for r in _listed(env)}
    assert rows["A1"]["done_on"] == "2026-10-30" and rows["A1"]["status"] == "done"
    assert rows["A2"] == {
        "key": "A2",
        "text": "Nieuwsbrief",
        "owner": "gemeente-tiel",
        "region": None,
        "made_on": "2026-10-05",
        "due_on": "2026-12-01",
        "done_on": None,
        "status": "open",
        "note": None,
    }
    again = runner.invoke(app, ["agreements", "import", str(second)], env=env)
    assert "0 new, 0 updated, 1 unchanged" in again.stdout


def test_every_problem_is_listed_and_nothing_is_imported(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = _csv(
        tmp_path,
        "A1,Goed,woonkracht,,2026-10-01,2026-11-01,,\n"
        "A2,Slechte datum,woonkracht,,2026-10-01,31-11-2026,,\n"
        "A3,Onbekende partner,wonkracht,,2026-10-01,2026-11-01,,\n"
        "A4,Onbekende regio,woonkracht,oost,2026-10-01,2026-11-01,,\n"
        "A1,Dubbel,woonkracht,,2026-10-01,2026-11-01,,\n"
        ",Geen sleutel,woonkracht,,2026-10-01,2026-11-01,,\n"
        "A6,Te laat gemaakt,woonkracht,,2026-12-01,2026-11-01,,\n",
    )
    result = runner.invoke(app, ["agreements", "import", str(bad)], env=env)
    assert result.exit_code != 0
    for expected in (
        "line 3, due_on: '31-11-2026' is not a date",
        "line 4, owner: unknown partner 'wonkracht'",
        "line 5, region: unknown region 'oost'",
        "line 6, key: 'A1' also on line 2",
        "line 7, key: required",
        "line 8, due_on: before made_on",
    ):
        assert expected in result.stderr, result.stderr
    assert _listed(env) == [], "nothing imported while one problem remains"


def test_a_file_without_the_columns_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("naam,datum\nx,y\n", encoding="utf-8")
    result = runner.invoke(app, ["agreements", "import", str(path)], env=env)
    assert result.exit_code != 0 and "missing column(s) key, text, owner" in result.stderr
    binary = tmp_path / "binary.csv"
    binary.write_bytes(HEADER.encode() + b"A1,\x81\x8d\x8f,woonkracht,,2026-01-01,2026-02-01,,\n")
    result = runner.invoke(app, ["agreements", "import", str(binary)], env=env)
    assert result.exit_code != 0 and "UTF-8 or Windows-1252" in result.stderr
    assert "Traceback" not in result.output


DUTCH_EXCEL = (
    "key;text;owner;region;made_on;due_on;done_on\r\n"
    "E1;Café-avond voor mantelzorgers;woonkracht;west;2026-10-01;2026-11-01;\r\n"
    '"E2";"Ideeën ophalen; daarna delen";gemeente-tiel;;2026-10-05;2026-12-01;2026-11-20\r\n'
)


def test_a_semicolon_file_from_dutch_excel_in_windows_1252_imports(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(DUTCH_EXCEL.encode("cp1252"))
    result = runner.invoke(app, ["agreements", "import", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "(semicolon-separated, Windows-1252): 2 new" in result.stdout
    rows = {r["key"]: r for r in _listed(env)}
    assert rows["E1"]["text"] == "Café-avond voor mantelzorgers"
    assert rows["E2"]["text"] == "Ideeën ophalen; daarna delen"  # a quoted ; stays text
    assert rows["E2"]["status"] == "done" and rows["E1"]["region"] == "west"


def test_csv_utf8_with_a_bom_imports_with_either_separator(
    env: dict[str, str], tmp_path: Path
) -> None:
    semicolons = tmp_path / "utf8-bom.csv"
    semicolons.write_bytes(b"\xef\xbb\xbf" + DUTCH_EXCEL.encode("utf-8"))
    result = runner.invoke(app, ["agreements", "import", str(semicolons)], env=env)
    assert result.exit_code == 0, result.output
    assert "(semicolon-separated, UTF-8 with BOM): 2 new" in result.stdout
    assert {r["text"] for r in _listed(env)} >= {"Ideeën ophalen; daarna delen"}
    commas = _csv(tmp_path, "C1,Één ding,woonkracht,,2026-10-01,2026-11-01,,\n")
    result = runner.invoke(app, ["agreements", "import", str(commas)], env=env)
    assert "(comma-separated, UTF-8 with BOM): 1 new" in result.stdout


def test_a_refused_file_says_how_it_was_read(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "fout.csv"
    path.write_bytes(DUTCH_EXCEL.replace("2026-11-01", "1-11-2026").encode("cp1252"))
    result = runner.invoke(app, ["agreements", "import", str(path)], env=env)
    assert result.exit_code != 0
    assert "(semicolon-separated, Windows-1252)" in result.stderr
    assert "line 2, due_on: '1-11-2026' is not a date" in result.stderr


def _plant_decline(env: dict[str, str], tmp_path: Path) -> None:
    """Woonkracht kept its agreements for months, then let them slide since January."""
    rows = []
    start = date(2025, 9, 1)
    for i in range(16):  # steady: done on time, two a fortnight for eight months
        due = start + timedelta(days=14 * (i // 2) + 7 * (i % 2))
        made = due - timedelta(days=21)
        rows.append(f"B{i},Ok {i},woonkracht,west,{made},{due},{due - timedelta(days=1)},")
    decline = date(2026, 1, 5)
    for i in range(10):  # since January: mostly late or never done, while still agreed
        due = decline + timedelta(days=7 * i)
        made = due - timedelta(days=21)
        done = "" if i % 3 else str(due + timedelta(days=9))
        rows.append(f"L{i},Laat {i},woonkracht,west,{made},{due},{done},")
    path = _csv(tmp_path, "\n".join(rows) + "\n")
    assert runner.invoke(app, ["agreements", "import", str(path)], env=env).exit_code == 0


def test_flags_show_a_planted_decline_as_of_a_day(env: dict[str, str], tmp_path: Path) -> None:
    _plant_decline(env, tmp_path)
    before = runner.invoke(app, ["agreements", "flags", "--json", "--as-of", "2025-12-29"], env=env)
    assert before.exit_code == 0, before.output
    assert json.loads(before.stdout) == []

    after = runner.invoke(app, ["agreements", "flags", "--json", "--as-of", "2026-03-16"], env=env)
    flags = json.loads(after.stdout)
    partner = next(f for f in flags if f["level"] == "partner")
    assert partner["key"] == "woonkracht"
    assert partner["kind"] in ("declining_follow_up", "pseudo_cooperation")
    assert date(2025, 12, 15) <= date.fromisoformat(partner["since"]) <= date(2026, 2, 2)
    assert "Woonkracht Rivierenland" in partner["explanation"]
    assert any(word in partner["explanation"] for word in ("op tijd", "afspraken"))
    assert {"level", "key", "kind", "since", "explanation"} <= set(partner)
    assert partner["as_of"] == "2026-03-16T00:00:00+01:00"  # that day, evaluated afresh
    bad = runner.invoke(app, ["agreements", "flags", "--as-of", "gisteren"], env=env)
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.stderr


def _deliveries(env: dict[str, str]) -> int:
    outbox = runner.invoke(app, ["outbox", "--json"], env=env)
    assert outbox.exit_code == 0, outbox.output
    return sum(n for n in json.loads(outbox.stdout).values() if isinstance(n, int))


def test_flags_without_a_day_read_what_the_daily_check_stored_and_when(
    env: dict[str, str], tmp_path: Path
) -> None:
    _plant_decline(env, tmp_path)
    never = runner.invoke(app, ["agreements", "flags", "--json"], env=env)
    assert never.exit_code == 0 and json.loads(never.stdout) == []
    said = runner.invoke(app, ["agreements", "flags"], env=env)
    assert "has not run yet" in said.stdout and "jobs run flags" in said.stdout
    ran = runner.invoke(app, ["jobs", "run", "flags", "--as-of", "2026-03-16", "--json"], env=env)
    assert ran.exit_code == 0, ran.output
    checked = json.loads(ran.stdout)["as_of"]
    planned = _deliveries(env)

    read = runner.invoke(app, ["agreements", "flags", "--json"], env=env)
    again = runner.invoke(app, ["agreements", "flags"], env=env)
    assert read.exit_code == 0 and again.exit_code == 0, read.output + again.output
    flags = json.loads(read.stdout)
    assert [(f["level"], f["key"]) for f in flags][:1] == [("partner", "woonkracht")]
    assert {"level", "key", "kind", "since", "explanation", "as_of"} <= set(flags[0])
    assert {f["as_of"] for f in flags} == {checked}  # the stored check's moment, with offset
    assert f"as of {checked[:10]} {checked[11:16]}" in again.stdout
    assert _deliveries(env) == planned  # reading planned no notice


def test_measures_per_partner_and_region_as_of_a_day(env: dict[str, str], tmp_path: Path) -> None:
    rows = [
        "A,x,woonkracht,west,2026-01-01,2026-01-10,2026-01-09",  # on time
        "B,x,woonkracht,west,2026-01-01,2026-01-10,2026-01-14",  # 4 days late
        "C,x,woonkracht,,2026-01-01,2026-02-01,",  # open: 28 days late on 1 March
        "D,x,zorggroep,west,2026-01-01,2026-04-01,",  # not due yet
    ]
    path = _csv(tmp_path, "\n".join(rows) + "\n")
    assert runner.invoke(app, ["agreements", "import", str(path)], env=env).exit_code == 0
    result = runner.invoke(
        app, ["agreements", "measures", "--json", "--as-of", "2026-03-01"], env=env
    )
    assert result.exit_code == 0, result.output
    measures = {(m["level"], m["key"]): m for m in json.loads(result.stdout)}
    woonkracht = measures[("partner", "woonkracht")]
    assert (woonkracht["due"], woonkracht["on_time"], woonkracht["overdue"]) == (3, 1, 1)
    assert woonkracht["median_days_late"] == 16.0  # of 4 and 28
    assert measures[("region", "west")]["due"] == 2
    assert ("partner", "zorggroep") not in measures  # nothing due yet: no measures
    text = runner.invoke(app, ["agreements", "measures", "--as-of", "2026-03-01"], env=env)
    assert "woonkracht" in text.output and "33%" in text.output
    bad = runner.invoke(app, ["agreements", "measures", "--as-of", "1 maart"], env=env)
    assert bad.exit_code == 1 and "not a date" in bad.output


def test_a_dutch_operator_reads_the_problems_in_dutch(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "fout.csv"
    path.write_bytes(DUTCH_EXCEL.replace("2026-11-01", "1-11-2026").encode("cp1252"))
    result = runner.invoke(app, ["--lang", "nl", "agreements", "import", str(path)], env=env)
    assert result.exit_code != 0
    assert "is niet ingelezen (gescheiden door puntkomma's, Windows-1252); er is niets" in (
        result.stderr
    )
    assert "regel 2, due_on: '1-11-2026' is geen datum (JJJJ-MM-DD)" in result.stderr
    assert "line 2" not in result.stderr
    good = tmp_path / "goed.csv"
    good.write_bytes(DUTCH_EXCEL.encode("cp1252"))
    result = runner.invoke(app, ["--lang", "nl", "agreements", "import", str(good)], env=env)
    assert "(gescheiden door puntkomma's, Windows-1252): 2 nieuw, 0 bijgewerkt" in result.stdout
