"""Whose voice: branded puts the task in front, quotes name a spokesperson or whom to ask,
memos and newsletters use what the partner shared in its intake — in every snippet kind,
both languages, shipped or written by an adviser."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.kernel.models import Alliance, Partner
from bot.core.needs.profiles import save_profile
from bot.core.toolkit.models import ToolkitSnippet
from bot.core.toolkit.personalise import personalise
from bot.core.toolkit.snippets import POSITIONINGS, Snippet, library, load_library
from bot.core.voice.register import add_spokesperson
from bot.db import make_engine, migrate, session_scope
from tests.conftest import DEMO_FILE

LANGUAGES = ("nl", "en")
ALLIANCE = "Alliantie Langer Thuis Rivierenland"
PARTNER = "Woonkracht Rivierenland"
TASK = "zonnepanelen op elk geschikt dak"
SHIPPED = load_library()
PLACEHOLDER = re.compile(r"\[[^\]]*\]")


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("voicing") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with session_scope(engine) as session:
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
    engine.dispose()
    return path


@pytest.fixture
def session(demo_database: Path, tmp_path: Path) -> Iterator[Session]:
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_database, copy)
    engine = make_engine(f"sqlite:///{copy}")
    with session_scope(engine) as session:
        yield session
    engine.dispose()


def _alliance(session: Session, positioning: str, task: str = TASK) -> Alliance:
    alliance = get_alliance(session)
    alliance.positioning = positioning
    alliance.task = task
    return alliance


def _partner(session: Session, key: str = "woonkracht") -> Partner:
    return session.exec(select(Partner).where(Partner.key == key)).one()


def _render(session: Session, snippet: Snippet, positioning: str, language: str) -> str:
    return personalise(
        snippet,
        session=session,
        alliance=_alliance(session, positioning),
        partner=_partner(session),
        language=language,
    )


def _own_snippet(session: Session, body: str, kind: str = "social_post") -> Snippet:
    row = ToolkitSnippet(
        alliance_id=get_alliance(session).id or 0, key="own", title="Own", body=body, kind=kind
    )
    session.add(row)
    session.flush()
    return next(s for s in library(session, get_alliance(session)) if s.key == "own")


@pytest.mark.parametrize("snippet", SHIPPED, ids=[s.key for s in SHIPPED])
def test_branded_names_the_task_and_the_partner_never_the_alliance(
    session: Session, snippet: Snippet
) -> None:
    for language in LANGUAGES:
        text = _render(session, snippet, "branded", language)
        assert TASK in text, (snippet.key, language)
        assert PARTNER in text
        assert ALLIANCE.casefold() not in text.casefold()
        assert "samenwerking" not in text.casefold()
        assert "partnership" not in text.casefold()
        assert len(text) <= snippet.max_length


@pytest.mark.parametrize("language", LANGUAGES)
def test_branded_adds_the_task_to_an_advisers_text_that_leaves_it_out(
    session: Session, language: str
) -> None:
    snippet = _own_snippet(session, f"{ALLIANCE} zoekt vrijwilligers.")
    text = _render(session, snippet, "branded", language)
    assert ALLIANCE not in text
    assert text.startswith(TASK[0].upper() + TASK[1:])  # the name became the task
    assert text.endswith(
        f"{PARTNER} werkt mee aan {TASK}."
        if language == "nl"
        else f"{PARTNER} contributes to {TASK}."
    )


def test_branded_without_a_task_says_the_shared_task_not_the_cooperation(session: Session) -> None:
    snippet = _own_snippet(session, "{{ alliance.name }} zoekt vrijwilligers.")
    alliance = _alliance(session, "branded", task="")
    text = personalise(
        snippet, session=session, alliance=alliance, partner=_partner(session), language="nl"
    )
    assert text.casefold().startswith("de gezamenlijke opgave zoekt vrijwilligers.")
    assert "samenwerking" not in text


@pytest.mark.parametrize("positioning", POSITIONINGS)
@pytest.mark.parametrize("snippet", SHIPPED, ids=[s.key for s in SHIPPED])
def test_no_snippet_has_a_placeholder_and_quotes_say_whom_to_ask(
    session: Session, snippet: Snippet, positioning: str
) -> None:
    for language in LANGUAGES:
        text = _render(session, snippet, positioning, language)
        assert not PLACEHOLDER.search(text), (snippet.key, text)
        if snippet.kind == "press_quote":
            assert "Anna de Vries" in text  # nobody registered: ask the coordinators
            assert ("woordvoering" if language == "nl" else "spokespeople") in text


@pytest.mark.parametrize("positioning", POSITIONINGS)
def test_a_quote_names_the_registered_spokesperson_of_whoever_speaks(
    session: Session, positioning: str
) -> None:
    alliance = _alliance(session, positioning)
    add_spokesperson(session, alliance, None, "1", "Jan de Wit", "directeur", "woonkracht")
    add_spokesperson(session, alliance, None, "wonen", "Els Kok", "voorzitter", "alliantie")
    quote = next(s for s in SHIPPED if s.key == "press-quote-pillar-1")
    text = _render(session, quote, positioning, "nl")
    if positioning == "monolithic":
        assert f"zegt Els Kok, voorzitter van {ALLIANCE}" in text
    else:
        assert f"zegt Jan de Wit, directeur van {PARTNER}" in text
    assert "vraag het" not in text


def test_a_placeholder_in_an_advisers_text_is_filled_in(session: Session) -> None:
    snippet = _own_snippet(
        session, "“Mooi”, zegt [naam, functie] van {{ speaker }}.", "press_quote"
    )
    text = _render(session, snippet, "endorsed", "nl")
    assert "[" not in text
    assert f"zegt een woordvoerder van {PARTNER}." in text
    assert "vraag het Anna de Vries" in text


def test_the_memo_and_newsletter_use_only_what_the_partner_shared(session: Session) -> None:
    alliance = _alliance(session, "endorsed")
    answers = {
        "own_goal": "Elke huurder een passende woning",
        "constituency_needs": "Heldere informatie over verhuizen",
        "needs": "GEHEIM-BEHOEFTE",
    }
    save_profile(session, alliance, _partner(session), None, answers, ["own_goal"])
    memo = next(s for s in SHIPPED if s.key == "board-memo")
    roof = next(s for s in SHIPPED if s.key == "newsletter-roof")
    for snippet in (memo, roof):
        text = _render(session, snippet, "endorsed", "nl")
        assert "Elke huurder een passende woning" in text
        assert "Heldere informatie" not in text  # not shared
        assert "GEHEIM" not in text
    save_profile(session, alliance, _partner(session), None, {}, [])  # skipped: kept as it was
    save_profile(
        session, alliance, _partner(session), None, answers, ["own_goal", "constituency_needs"]
    )
    text = _render(session, memo, "endorsed", "en")
    assert "What they need to take steps: Heldere informatie over verhuizen" in text
