"""The console adapter: line in, reply out, failures rolled back and explained."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.adapters import console
from bot.adapters.console import answer_line, run_console
from bot.core.kernel.models import Person


def test_run_console_answers_each_line_until_quit(demo_engine: Engine) -> None:
    stdout = io.StringIO()
    run_console(demo_engine, "anna", io.StringIO("hulp\n\nquit\nhulp\n"), stdout, False)
    assert stdout.getvalue().count("Wat ik voor je kan doen") == 1


def test_interactive_console_greets_in_the_persons_language(demo_engine: Engine) -> None:
    stdout = io.StringIO()
    run_console(demo_engine, "frank", io.StringIO(""), stdout, True)
    assert stdout.getvalue().startswith("Hello Frank Mulder.")


def test_a_failure_inside_a_command_changes_nothing_and_says_sorry(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(session: Session, command: object) -> object:
        person = session.exec(select(Person).where(Person.key == "anna")).one()
        person.language = "en"  # a change that must be rolled back
        raise RuntimeError("boom")

    monkeypatch.setattr(console, "handle", explode)
    answer = answer_line(demo_engine, "anna", "taal en")
    assert "Er is niets veranderd" in answer
    assert "boom" not in answer and "Traceback" not in answer
    with Session(demo_engine) as session:
        assert session.exec(select(Person).where(Person.key == "anna")).one().language == "nl"
