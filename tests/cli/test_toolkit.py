"""`toolkit plan`/`link`/`revoke` on the command line (and the helpers `agenda` tests share).

The commands use the real clock, so the calendars are written relative to today.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner, Result

from bot.adapters.web import create_web_app
from bot.cli import app
from bot.db import make_engine
from tests.core.toolkit.test_plan import AMS, calendar, vevent

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


def _link(env: dict[str, str], partner: str = "woonkracht", *more: str) -> str:
    result = run(env, "toolkit", "link", partner, *more)
    assert result.exit_code == 0, result.output
    match = re.fullmatch(r"(\S+)/toolkit/([A-Za-z0-9_-]{32,})\n", result.stdout)
    assert match is not None, result.stdout
    return match.group(2)


async def test_a_toolkit_link_opens_the_page_until_revoked(env: dict[str, str]) -> None:
    result = run(env, "toolkit", "link", "woonkracht")
    assert result.stdout.startswith("http://127.0.0.1:8000/toolkit/")  # PUBLIC_URL unset
    token = result.stdout.strip().rsplit("/", 1)[1]
    page = await _get(env, f"/toolkit/{token}")
    assert page.status_code == 200
    assert "Woonkracht Rivierenland" in page.text

    again = run(env, "toolkit", "link", "woonkracht")  # never replaced without asking
    assert "already has a toolkit link" in again.stdout and "--new" in again.stdout
    assert (await _get(env, f"/toolkit/{token}")).status_code == 200

    replaced = run(env, "toolkit", "link", "woonkracht", "--new")
    assert "previous toolkit link of woonkracht no longer works" in replaced.stderr
    newer = replaced.stdout.strip().rsplit("/", 1)[1]
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


def test_without_a_public_url_links_follow_the_port(env: dict[str, str]) -> None:
    result = run({**env, "PORT": "8765"}, "toolkit", "link", "welzijn")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("http://127.0.0.1:8765/toolkit/")


def test_with_a_secret_key_the_current_link_is_printed_again(env: dict[str, str]) -> None:
    keyed = {**env, "ALLIANCEBOT_SECRET_KEY": "s3cret-for-links"}
    first = _link(keyed)
    assert _link(keyed) == first  # the current one, shown again
    again = run(keyed, "toolkit", "link", "woonkracht")
    assert again.stderr == ""  # nothing was replaced
    without = run(env, "toolkit", "link", "woonkracht")
    assert "cannot be shown again" in without.stdout and "--new" in without.stdout
    assert "s3cret" not in without.output
    newer = _link(keyed, "woonkracht", "--new")
    assert newer != first and _link(keyed) == newer
