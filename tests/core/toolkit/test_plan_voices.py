"""Planned snippets in every kind and voice: no placeholder, the task in front when branded,
and a positioning changed between two plannings changes what is still pending."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.core.alliance.load import get_alliance
from bot.core.outbox.models import Delivery
from bot.core.toolkit.feedback import planned_snippets
from bot.core.toolkit.snippets import load_library
from bot.db import session_scope
from tests.core.toolkit.test_plan import (
    ALLIANCE,
    WOONKRACHT,
    calendar,
    deliveries,
    demo_copy,
    demo_template,
    import_ics,
    plan,
    snippet_of,
    vevent,
)

TASK = "zonnepanelen op elk geschikt dak"
KINDS = ("bestuur", "raad", "evenement", "campagne", "nieuwsbrief", "leden")
PLACEHOLDER = re.compile(r"\[[^\]]*\]")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("plan-voices"))


@pytest.fixture
def demo(template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = demo_copy(template, tmp_path)
    yield engine
    engine.dispose()


def _every_kind(demo: Engine) -> None:
    """Moments of every kind, several of each, so that the rotation plans every snippet
    (with room in the weekly cap for all of them)."""
    with session_scope(demo) as session:
        get_alliance(session).weekly_cap = 50
    events = [
        vevent(f"{kind}-{n}@w.test", date(2027, 3, 8 + 7 * n), f"{kind} {n}", categories=kind)
        for kind in KINDS
        for n in range(4)
    ]
    import_ics(demo, calendar(*events))


def _set(demo: Engine, positioning: str, task: str = TASK) -> None:
    with session_scope(demo) as session:
        alliance = get_alliance(session)
        alliance.positioning, alliance.task = positioning, task


def _texts(demo: Engine) -> dict[str, str]:
    with Session(demo) as session:
        return {p.snippet: p.text for p in planned_snippets(session, get_alliance(session))}


@pytest.mark.parametrize("positioning", ["monolithic", "branded", "endorsed"])
def test_no_planned_snippet_has_a_placeholder(demo: Engine, positioning: str) -> None:
    _set(demo, positioning)
    _every_kind(demo)
    plan(demo)
    texts = _texts(demo)
    assert set(texts) == {s.key for s in load_library()}  # every kind was planned
    for delivery in deliveries(demo, "pending"):
        assert not PLACEHOLDER.search(delivery.body), snippet_of(delivery)
    for key, text in texts.items():
        assert not PLACEHOLDER.search(text), key
        if positioning == "branded":
            assert TASK in text and WOONKRACHT in text, key
            assert ALLIANCE.casefold() not in text.casefold()
            assert "samenwerking" not in text.casefold()


def _pending(demo: Engine) -> list[Delivery]:
    return deliveries(demo, "pending")


def test_a_new_positioning_changes_the_pending_snippets_at_the_next_planning(
    demo: Engine,
) -> None:
    _every_kind(demo)
    plan(demo)
    before = _pending(demo)
    assert any(ALLIANCE in d.body for d in before)
    _set(demo, "branded")  # as adopting a positioning proposal does
    report = plan(demo)
    after = _pending(demo)
    assert report.cancelled == len(before) and len(after) == len(before)
    for delivery in after:
        assert ALLIANCE not in delivery.body and TASK in delivery.body
    assert {d.status for d in deliveries(demo) if d.id in {b.id for b in before}} == {"cancelled"}
    assert plan(demo).planned == 0  # the next planning changes nothing more
