"""`agenda import`/`agenda list` and `toolkit plan`/`link`/`revoke` on the command line.

The commands use the real clock, so the calendars are written relative to today.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from bot.adapters.web import create_web_app
from bot.cli import app
from bot.db import make_engine
from tests.core.toolkit.test_plan import AMS, FIXTURES, calendar, vevent

DEMO = Path(__file__).parents[1] / "bot" / "demo" / "alliance.toml"
CONTRACT_FIELDS = {
    "partner",
    "snippet",
    "agenda_item",
    "agenda_start",
    "send_at",
    "channel",
    "text",
}
KEYS = "gemeente-tiel, huisartsen, welzijn, woonkracht, zorggroep, zorgverzekeraar"
runner = CliRunner()


@pytest.fixture(scope="module")
def initialised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo alliance file loaded by `init` once; each test gets a copy of the database."""
    path = tmp_path_factory.mktemp("cli-toolkit") / "template.db"
    result = runner.invoke(app, ["init", str(DEMO)], env={"DATABASE_URL": f"sqlite:///{path}"})
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def env(initialised: Path, tmp_path: Path) -> dict[str, str]:
    shutil.copyfile(initialised, tmp_path / "cli.db")
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def run(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, list(args), env=env)


def today() -> date:
    return datetime.now(AMS).date()


def _calendar(tmp_path: Path, *events: str, name: str = "agenda.ics") -> Path:
    path = tmp_path / name
    path.write_bytes(calendar(*events))
    return path


def _newsletter(days: int = 20) -> str:
    return vevent(
        "nb@woonkracht.test", today() + timedelta(days=days), "Deadline nieuwsbrief Thuis"
    )


def _board(days: int = 30) -> str:
    start = datetime.combine(today() + timedelta(days=days), time(14, 0))
    return vevent("rvc@woonkracht.test", start, "Raad van commissarissen", categories="bestuur")


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- agenda import / list ---------------------------------------------------------------------


def test_import_reports_counts_and_plans_snippets(env: dict[str, str], tmp_path: Path) -> None:
    path = _calendar(tmp_path, _newsletter(), _board())
    result = run(env, "agenda", "import", "woonkracht", str(path))
    assert result.exit_code == 0, result.output
    summary = re.fullmatch(
        r"Imported the agenda of Woonkracht Rivierenland: 2 new, 0 moved, 0 updated, 0 removed,"
        r" 0 cancelled\. Snippets: (\d+) planned, 0 withdrawn\.\n",
        result.stdout,
    )
    assert summary is not None, result.stdout
    assert int(summary.group(1)) == len(_json(run(env, "toolkit", "plan", "--json"))) > 0

    again = run(env, "agenda", "import", "woonkracht", str(path))
    assert "0 new, 0 moved, 0 updated, 0 removed, 0 cancelled" in again.stdout
    assert "Snippets: 0 planned, 0 withdrawn." in again.stdout

    moved = _calendar(tmp_path, _newsletter(34), name="moved.ics")  # board meeting deleted
    result = run(env, "agenda", "import", "woonkracht", str(moved))
    assert result.exit_code == 0, result.output
    assert "0 new, 1 moved, 0 updated, 1 removed, 0 cancelled" in result.stdout
    withdrawn = re.search(r"Snippets: (\d+) planned, (\d+) withdrawn\.", result.stdout)
    assert withdrawn is not None and int(withdrawn.group(2)) >= 1
    rows = _json(run(env, "toolkit", "plan", "--json"))
    moment = today() + timedelta(days=34)
    assert rows
    assert all(
        datetime.fromisoformat(r["agenda_start"]).astimezone(AMS).date() == moment for r in rows
    )
    assert {row["agenda_item"] for row in rows} == {"Deadline nieuwsbrief Thuis"}


@pytest.mark.parametrize(
    "name", ["broken_garbage.ics", "broken_binary.ics", "broken_truncated.ics"]
)
def test_a_broken_file_changes_nothing_and_says_so(
    env: dict[str, str], tmp_path: Path, name: str
) -> None:
    run(env, "agenda", "import", "woonkracht", str(_calendar(tmp_path, _newsletter())))
    before = (_json(run(env, "agenda", "list", "--json")), run(env, "outbox", "--json").stdout)

    result = run(env, "agenda", "import", "woonkracht", str(FIXTURES / name))
    assert result.exit_code == 1
    assert "was not imported; nothing was changed." in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)  # a clean exit, not a crash
    after = (_json(run(env, "agenda", "list", "--json")), run(env, "outbox", "--json").stdout)
    assert after == before


def test_a_missing_file_and_an_unknown_partner_are_explained(
    env: dict[str, str], tmp_path: Path
) -> None:
    missing = run(env, "agenda", "import", "woonkracht", str(tmp_path / "nope.ics"))
    assert missing.exit_code == 1
    assert "nothing was changed" in missing.stderr and "does not exist" in missing.stderr
    path = _calendar(tmp_path, _newsletter())
    unknown = run(env, "agenda", "import", "wonkracht", str(path))
    assert unknown.exit_code == 1
    assert unknown.stderr == f"Unknown partner 'wonkracht'. Partners: {KEYS}.\n"
    assert "Traceback" not in missing.output + unknown.output
    assert _json(run(env, "agenda", "list", "--json")) == []


def test_agenda_list_json(env: dict[str, str], tmp_path: Path) -> None:
    assert _json(run(env, "agenda", "list", "--json")) == []
    run(env, "agenda", "import", "woonkracht", str(_calendar(tmp_path, _newsletter(), _board())))
    tiel = vevent("raad@tiel.test", today() + timedelta(days=10), "Raadsvergadering")
    run(env, "agenda", "import", "gemeente-tiel", str(_calendar(tmp_path, tiel, name="t.ics")))
    rows = _json(run(env, "agenda", "list", "--json"))
    assert [(r["partner"], r["title"], r["kind"]) for r in rows] == [
        ("gemeente-tiel", "Raadsvergadering", "council"),
        ("woonkracht", "Deadline nieuwsbrief Thuis", "newsletter"),
        ("woonkracht", "Raad van commissarissen", "board"),
    ]
    starts = [datetime.fromisoformat(r["starts_at"]) for r in rows]
    assert starts == sorted(starts)
    assert starts[2] == datetime.combine(today() + timedelta(days=30), time(14, 0), tzinfo=AMS)
    text = run(env, "agenda", "list")
    assert "woonkracht" in text.stdout and "Raad van commissarissen" in text.stdout


# -- toolkit plan ---------------------------------------------------------------------------------


def test_toolkit_plan_json_has_the_contract_fields(env: dict[str, str], tmp_path: Path) -> None:
    assert _json(run(env, "toolkit", "plan", "--json")) == []
    run(env, "agenda", "import", "woonkracht", str(_calendar(tmp_path, _newsletter(), _board())))
    rows = _json(run(env, "toolkit", "plan", "--json"))
    assert len(rows) >= 3
    for row in rows:
        assert set(row) >= CONTRACT_FIELDS, row
        assert row["partner"] == "woonkracht" and row["channel"] == "slack"
        assert row["agenda_item"] in ("Deadline nieuwsbrief Thuis", "Raad van commissarissen")
        assert datetime.fromisoformat(row["send_at"]) < datetime.fromisoformat(row["agenda_start"])
        assert "Woonkracht Rivierenland" in row["text"]  # the demo is endorsed
        assert "Alliantie Langer Thuis Rivierenland" in row["text"]
    assert len({(r["snippet"], r["agenda_item"]) for r in rows}) == len(rows)
    assert _json(run(env, "toolkit", "plan", "--json")) == rows  # planning again: the same

    listing = run(env, "toolkit", "plan")
    assert listing.exit_code == 0
    assert listing.stdout.count("→ anna on slack [pending]") == len(rows)


# -- toolkit link / revoke -----------------------------------------------------------------------


async def _get(env: dict[str, str], path: str) -> httpx.Response:
    engine = make_engine(env["DATABASE_URL"])
    try:
        transport = httpx.ASGITransport(app=create_web_app(engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path)
    finally:
        engine.dispose()


def _link(env: dict[str, str], partner: str = "woonkracht") -> str:
    result = run(env, "toolkit", "link", partner)
    assert result.exit_code == 0, result.output
    match = re.fullmatch(r"(\S+)/toolkit/([A-Za-z0-9_-]{32,})\n", result.stdout)
    assert match is not None, result.stdout
    return match.group(2)


async def test_a_toolkit_link_opens_the_page_until_revoked(env: dict[str, str]) -> None:
    result = run(env, "toolkit", "link", "woonkracht")
    assert result.stdout.startswith("http://localhost:8000/toolkit/")
    token = result.stdout.strip().rsplit("/", 1)[1]
    page = await _get(env, f"/toolkit/{token}")
    assert page.status_code == 200
    assert "Woonkracht Rivierenland" in page.text

    newer = _link(env)  # a new link replaces the old one
    assert (await _get(env, f"/toolkit/{token}")).status_code == 404
    assert (await _get(env, f"/toolkit/{newer}")).status_code == 200

    revoked = run(env, "toolkit", "revoke", "woonkracht")
    assert revoked.exit_code == 0
    assert revoked.stdout == "The toolkit link of woonkracht no longer works.\n"
    assert (await _get(env, f"/toolkit/{newer}")).status_code == 404


def test_the_link_uses_the_public_url_and_refuses_unknown_partners(env: dict[str, str]) -> None:
    result = run({**env, "PUBLIC_URL": "https://bot.example.org/"}, "toolkit", "link", "zorggroep")
    assert result.exit_code == 0
    assert re.fullmatch(r"https://bot\.example\.org/toolkit/[A-Za-z0-9_-]{32,}\n", result.stdout)
    for command in ("link", "revoke"):
        unknown = run(env, "toolkit", command, "nergens")
        assert unknown.exit_code == 1
        assert unknown.stderr == f"Unknown partner 'nergens'. Partners: {KEYS}.\n"
