"""Positioning decided together: a proposal with the guiding questions, endorsed partner by
partner; once adopted, the next planning speaks in the new voice. The file's value is the
starting point, and an unchanged file does not undo the partners' decision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import get_alliance, load_alliance
from bot.db import session_scope
from tests.conftest import DEMO_FILE
from tests.core.toolkit.test_plan import (
    ALLIANCE,
    calendar,
    deliveries,
    demo_copy,
    demo_template,
    import_ics,
    plan,
    vevent,
)
from tests.fakes.conversation import say, words

TASK = "langer thuis wonen voor iedere oudere"
ADVISERS = ("anna", "bram", "chantal", "dirk", "emma", "frank")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("positioning"))


@pytest.fixture
def demo(template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = demo_copy(template, tmp_path)
    with session_scope(engine) as session:
        get_alliance(session).task = TASK
    yield engine
    engine.dispose()


def _positioning(engine: Engine) -> str:
    with Session(engine) as session:
        return get_alliance(session).positioning


def test_the_view_shows_the_positioning_and_the_guiding_questions(demo: Engine) -> None:
    text = words(say(demo, "anna", "positionering"))
    assert "endorsed" in text or "onderschreven" in text.lower() or "leden" in text
    assert "zichtbaar" in text and "Wie spreekt" in text
    assert "noem" in words(say(demo, "anna", "positionering paars")).lower()


def test_an_adopted_proposal_changes_the_voice_at_the_next_planning(demo: Engine) -> None:
    events = [vevent(f"nb-{d}@w.test", date(2027, 3, d), "Nieuwsbrief") for d in (9, 23)]
    import_ics(demo, calendar(*events))
    plan(demo)
    assert any(ALLIANCE in d.body for d in deliveries(demo, "pending"))

    proposed = words(say(demo, "anna", "positionering branded de opgave voorop, niet wij"))
    assert "zichtbaar" in proposed  # the guiding questions come with the proposal
    assert _positioning(demo) == "endorsed"  # nothing changes before consent
    for who in ADVISERS:
        say(demo, who, "besluit onderschrijf")
    assert _positioning(demo) == "branded"

    plan(demo)
    pending = deliveries(demo, "pending")
    assert pending
    for delivery in pending:
        assert ALLIANCE not in delivery.body and TASK in delivery.body

    with session_scope(demo) as session:  # the unchanged file keeps what the partners decided
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
    assert _positioning(demo) == "branded"
