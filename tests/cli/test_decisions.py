"""Decisions on the command line: the open ones as JSON, answers on behalf of partners,
adoption at full consent, clear errors on stderr."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.core.alliance import get_alliance
from bot.core.consent import ConsentKind, DecisionKind, submit_proposal
from bot.core.consent import kinds as consent_kinds
from bot.core.kernel import Person, _
from bot.db import make_engine, session_scope

ADVISERS = ("anna", "bram", "chantal", "dirk", "emma", "frank")  # one per demo partner
ADOPTED: list[str] = []


@pytest.fixture
def proposed(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    entry = ConsentKind(
        DecisionKind.PHASE,
        _("the phase"),
        check=lambda _s, _a, value: value,
        current=lambda _s, _a: None,
        adopt=lambda _s, _a, decision: ADOPTED.append(decision.value),
        describe=lambda _t, value: value,
    )
    monkeypatch.setitem(consent_kinds._KINDS, DecisionKind.PHASE, entry)
    ADOPTED.clear()
    engine = make_engine(env["DATABASE_URL"])
    with session_scope(engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        submit_proposal(session, get_alliance(session), anna, DecisionKind.PHASE, "x", "why")
    engine.dispose()
    return env


def test_open_decisions_as_json_and_answers_until_adopted(proposed: dict[str, str]) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["decisions", "--json"], env=proposed)
    assert shown.exit_code == 0, shown.output
    (decision,) = json.loads(shown.stdout)
    assert decision["kind"] == "phase" and decision["status"] == "open"
    assert decision["proposed_by"] == "anna" and decision["created_at"].endswith("+01:00")
    assert decision["needed"] == len(ADVISERS) and decision["endorsed_by"] == []
    for adviser in ADVISERS[:-1]:
        result = runner.invoke(app, ["decisions", "endorse", "1", "--by", adviser], env=proposed)
        assert result.exit_code == 0 and "Recorded" in result.stdout, result.output
    last = runner.invoke(app, ["decisions", "endorse", "1", "--by", "frank"], env=proposed)
    assert "Adopted: decision 1." in last.stdout and ADOPTED == ["x"]
    every = json.loads(
        runner.invoke(app, ["decisions", "--kind", "phase", "--json"], env=proposed).stdout
    )
    assert [d["status"] for d in every] == ["adopted"]


def test_errors_are_one_clear_line_on_stderr(proposed: dict[str, str]) -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["decisions", "endorse", "99", "--by", "bram"], env=proposed)
    assert unknown.exit_code == 1 and "no proposal with number 99" in unknown.stderr
    empty = runner.invoke(
        app, ["decisions", "object", "1", "--by", "bram", "--reason", " "], env=proposed
    )
    assert empty.exit_code == 1 and "needs a reason" in empty.stderr
    kind = runner.invoke(app, ["decisions", "--kind", "colour"], env=proposed)
    assert kind.exit_code == 1 and "--kind takes" in kind.stderr
