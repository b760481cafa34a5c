"""`alliancebot signals list`: the regions' signals for the national table, never naming
the sender of an anonymous one."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import select
from typer.testing import CliRunner, Result

from bot.cli import app
from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Signal
from bot.core.attention.signals import record_signal
from bot.core.kernel.models import Person
from bot.db import make_engine, session_scope

FIELDS = ["id", "created_at", "region", "kind", "text", "status", "anonymous"]
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
runner = CliRunner()


def run(env: dict[str, str], *args: str) -> Result:
    return runner.invoke(app, ["signals", "list", *args], env=env)


def _signals(env: dict[str, str], min_group_size: int = 3) -> dict[str, int]:
    """A named signal (gerda, west), an anonymous one (otto, bommel), an anonymous pulse
    answer without its region (nienke); the first one from last winter."""
    engine = make_engine(env["DATABASE_URL"])
    ids = {}
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        alliance.min_group_size = min_group_size
        people = {p.key: p for p in session.exec(select(Person))}
        for key, text, anonymous, with_region in (
            ("gerda", "De wijkverpleging stopt in Tiel", False, True),
            ("otto", "Niemand komt meer naar het overleg", True, True),
            ("nienke", "Te veel vergaderingen", True, False),
        ):
            signal = record_signal(session, alliance, people[key], text, anonymous, with_region)
            ids[key] = signal.id or 0
        winter = session.get(Signal, ids["gerda"])
        assert winter is not None
        winter.created_at = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    engine.dispose()
    return ids


def test_json_lists_every_signal_with_the_contracts_fields(env: dict[str, str]) -> None:
    ids = _signals(env)
    result = run(env, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [list(row) for row in rows] == [FIELDS] * 3
    named, anonymous, pulse = rows  # oldest first
    assert named == {
        "id": ids["gerda"],
        "created_at": "2026-01-15T10:30:00+01:00",  # the alliance's offset that day
        "region": "west",
        "kind": None,
        "text": "De wijkverpleging stopt in Tiel",
        "status": "new",
        "anonymous": False,
    }
    assert anonymous["region"] == "bommel" and anonymous["anonymous"] is True
    assert pulse["region"] is None and pulse["anonymous"] is True
    moment = datetime.fromisoformat(anonymous["created_at"])
    assert moment.utcoffset() == moment.astimezone(AMSTERDAM).utcoffset()


def test_no_field_names_the_sender_of_an_anonymous_signal(env: dict[str, str]) -> None:
    """Nothing about otto or nienke: not a key, a name or an id; and with groups of four
    shown, a region of three ambassadors would point at the writer, so it is left out."""
    _signals(env, min_group_size=4)
    rows = json.loads(run(env, "--json").stdout)
    engine = make_engine(env["DATABASE_URL"])
    with session_scope(engine) as session:
        senders = [p for p in session.exec(select(Person)) if p.key in ("otto", "nienke")]
    engine.dispose()
    for row in rows[1:]:
        values = {str(v) for v in row.values()}
        for sender in senders:
            assert not {sender.key, sender.name} & values
        assert row["region"] is None
    assert rows[0]["region"] == "west"  # a named signal keeps its region


def test_since_takes_a_day_and_csv_has_the_same_columns(env: dict[str, str]) -> None:
    ids = _signals(env)
    recent = json.loads(run(env, "--json", "--since", "2026-02-01").stdout)
    assert [row["id"] for row in recent] == [ids["otto"], ids["nienke"]]
    assert json.loads(run(env, "--json", "--since", "2026-01-15").stdout)[0]["id"] == ids["gerda"]
    result = run(env, "--csv")
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(result.stdout)))
    assert table[0] == FIELDS and len(table) == 4
    assert table[1] == [
        str(ids["gerda"]),
        "2026-01-15T10:30:00+01:00",
        "west",
        "",
        "De wijkverpleging stopt in Tiel",
        "new",
        "false",
    ]
    assert table[3][2] == "" and table[3][6] == "true"


def test_plain_listing_and_mistakes(env: dict[str, str]) -> None:
    assert "No signals yet." in run(env).stdout
    _signals(env)
    plain = run(env)
    assert plain.exit_code == 0 and "(anonymous) Niemand komt meer" in plain.stdout
    both = run(env, "--json", "--csv")
    assert both.exit_code != 0 and "Choose one of --json and --csv." in both.stderr
    wrong = run(env, "--since", "15-01-2026")
    assert wrong.exit_code != 0 and "is not a date (YYYY-MM-DD)" in wrong.stderr
    assert wrong.stdout == ""
