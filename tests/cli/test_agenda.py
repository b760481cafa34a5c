"""`agenda import`/`agenda list` on the command line.

The commands use the real clock, so the calendars are written relative to today.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.core.kernel.models import Partner
from bot.db import make_engine
from tests.cli.test_toolkit import KEYS, _board, _calendar, _json, _newsletter, run, today
from tests.core.toolkit.test_plan import AMS, FIXTURES, calendar, vevent
from tests.fakes.calendars import FakeCalendars

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


def _remembered(env: dict[str, str], key: str) -> tuple[str | None, str | None]:
    engine = make_engine(env["DATABASE_URL"])
    try:
        with Session(engine) as session:
            partner = session.exec(select(Partner).where(Partner.key == key)).one()
            return partner.agenda_imported_from, partner.agenda_etag
    finally:
        engine.dispose()


def test_an_import_by_hand_reads_in_full_and_keeps_what_it_read(
    env: dict[str, str], tmp_path: Path
) -> None:
    with FakeCalendars().running() as calendars:
        calendars.publish("/w.ics", calendar(_newsletter()))
        url = calendars.url("/w.ics")
        first = run(env, "agenda", "import", "woonkracht", url)
        assert first.exit_code == 0, first.output
        assert "1 new" in first.stdout
        assert _remembered(env, "woonkracht") == (url, calendars.etag("/w.ics"))

        again = run(env, "agenda", "import", "woonkracht", url)  # by hand: no "changed since?"
        assert again.exit_code == 0 and "0 new, 0 moved" in again.stdout
        assert [seen.if_none_match for seen in calendars.seen] == [None, None]

    # a file from elsewhere replaces it: the URL's validators no longer describe the agenda
    path = _calendar(tmp_path, _newsletter(), _board())
    assert run(env, "agenda", "import", "woonkracht", str(path)).exit_code == 0
    assert _remembered(env, "woonkracht") == (str(path), None)
