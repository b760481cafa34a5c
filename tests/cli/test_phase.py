"""`alliancebot phase` and `learning` on the command line: JSON shapes, a phase proposal
adopted through `decisions`, clear errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.cli import app

ADVISERS = ("anna", "bram", "chantal", "dirk", "emma", "frank")  # one per demo partner


def test_phase_json_and_a_proposal_adopted_by_consent(env: dict[str, str]) -> None:
    runner = CliRunner()
    before = json.loads(runner.invoke(app, ["phase", "--json"], env=env).stdout)
    assert set(before) == {"phase", "since", "history"} and before["phase"] == "start"
    opened = runner.invoke(
        app,
        ["phase", "propose", "ontdekken", "--by", "anna", "--reason", "tijd om te leren"],
        env=env,
    )
    assert opened.exit_code == 0, opened.output
    (decision,) = json.loads(runner.invoke(app, ["decisions", "--json"], env=env).stdout)
    assert (decision["kind"], decision["value"]) == ("phase", "discover")
    for adviser in ADVISERS:
        answered = runner.invoke(
            app, ["decisions", "endorse", str(decision["id"]), "--by", adviser], env=env
        )
        assert answered.exit_code == 0, answered.output
    after = json.loads(runner.invoke(app, ["phase", "--json"], env=env).stdout)
    assert after["phase"] == "discover" and after["since"][-6:] in ("+01:00", "+02:00")
    assert [h["phase"] for h in after["history"]] == ["discover"]
    assert after["history"][0]["reason"] == "tijd om te leren"


def test_bad_phase_and_learning_errors_on_stderr(env: dict[str, str]) -> None:
    runner = CliRunner()
    bad = runner.invoke(
        app, ["phase", "propose", "oogsten", "--by", "anna", "--reason", "x"], env=env
    )
    assert bad.exit_code == 1 and "oogsten" in bad.stderr
    added = runner.invoke(
        app, ["learning", "add", "Huurders eerder betrekken", "--by", "anna"], env=env
    )
    assert added.exit_code == 0, added.output
    no_lesson = runner.invoke(
        app, ["learning", "close", "1", "--by", "anna", "--lesson", " "], env=env
    )
    assert no_lesson.exit_code == 1 and no_lesson.stderr
    runner.invoke(
        app, ["learning", "close", "1", "--by", "anna", "--lesson", "Vooraf vragen"], env=env
    )
    (item,) = json.loads(runner.invoke(app, ["learning", "--json"], env=env).stdout)
    assert item["lesson"] == "Vooraf vragen" and item["closed_at"] and item["added_by"] == "anna"
