"""The toolkit: the snippet file format, the shipped library, positioning, length, sandbox."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.house.content import HouseContent, PillarContent, adopt_version
from bot.core.house.models import PartnerNote
from bot.core.kernel.models import Alliance, Partner
from bot.core.toolkit.models import ToolkitSnippet
from bot.core.toolkit.personalise import hide_name, personalise, shorten
from bot.core.toolkit.snippets import (
    AGENDA_KINDS,
    KIND_MAX_LENGTH,
    POSITIONINGS,
    Snippet,
    ToolkitError,
    library,
    load_library,
    parse_snippet,
)
from bot.db import make_engine, migrate, session_scope
from tests.conftest import DEMO_FILE

LANGUAGES = ("nl", "en")
ALLIANCE = "Alliantie Langer Thuis Rivierenland"
SHIPPED = load_library()

GOOD = """+++
kind = "social_post"
title.nl = "Bericht"
title.en = "Post"
pillar = 2
agenda = ["campaign", "event"]
lead_days = 3
+++
--- nl ---
{{ speaker }} doet mee.
--- en ---
{{ speaker }} takes part.
"""


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo alliance, migrated and loaded once; each test works on a copy (fast)."""
    path = tmp_path_factory.mktemp("toolkit") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with session_scope(engine) as session:
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
    engine.dispose()
    return path


@pytest.fixture
def session(demo_database: Path, tmp_path: Path) -> Iterator[Session]:
    """The demo alliance (endorsed) in SQLite; the positioning is changed per test."""
    copy = tmp_path / "demo.db"
    shutil.copyfile(demo_database, copy)
    engine = make_engine(f"sqlite:///{copy}")
    with session_scope(engine) as session:
        yield session
    engine.dispose()


def _alliance(session: Session, positioning: str) -> Alliance:
    alliance = get_alliance(session)
    alliance.positioning = positioning
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


# -- the file format -----------------------------------------------------------------------


def test_a_good_file_parses_with_defaults_from_its_name_and_kind() -> None:
    snippet = parse_snippet(GOOD, "social-two.j2")

    assert snippet.key == "social-two"
    assert snippet.kind == "social_post"
    assert snippet.titles == {"nl": "Bericht", "en": "Post"}
    assert snippet.pillar == 2
    assert snippet.agenda_kinds == ("campaign", "event")
    assert snippet.lead_days == 3
    assert snippet.max_length == KIND_MAX_LENGTH["social_post"] == 280
    assert snippet.bodies == {"nl": "{{ speaker }} doet mee.", "en": "{{ speaker }} takes part."}
    assert snippet.origin == "file"


def test_key_and_max_length_in_the_front_matter_win() -> None:
    text = GOOD.replace("kind =", 'key = "own"\nmax_length = 100\nkind =')
    snippet = parse_snippet(text, "x.j2")
    assert (snippet.key, snippet.max_length) == ("own", 100)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.split("--- en ---")[0], "no body for en"),
        (GOOD.replace("--- nl ---", "--- de ---"), "unknown language 'de'"),
        (GOOD.replace("lead_days = 3", 'lead_days = "drie'), "not valid TOML"),
        (GOOD.replace('"social_post"', '"tweet"'), "kind 'tweet' is not one of"),
        (GOOD.replace('"campaign"', '"party"'), "agenda must be a list of"),
        (GOOD.replace("pillar = 2", "pillar = 0"), "pillar must be a whole number"),
        (GOOD.replace('title.en = "Post"\n', ""), "needs title.nl and title.en"),
        (GOOD.replace("lead_days", "lead_dayz"), "unknown front matter field(s) lead_dayz"),
        (GOOD.replace("+++\nkind", "kind", 1), "must start with a line '+++'"),
        (GOOD.replace("doet mee.", "doet {% if %} mee."), "the nl body is not a valid template"),
    ],
)
def test_a_broken_file_is_refused_with_its_name_and_the_problem(text: str, problem: str) -> None:
    with pytest.raises(ToolkitError) as caught:
        parse_snippet(text, "broken.j2")
    assert str(caught.value).startswith("broken.j2: ")
    assert problem in str(caught.value)


def test_loading_a_directory_names_the_broken_file(tmp_path: Path) -> None:
    (tmp_path / "fine.j2").write_text(GOOD, encoding="utf-8")
    (tmp_path / "half.j2").write_text(GOOD.split("--- en ---")[0], encoding="utf-8")
    with pytest.raises(ToolkitError, match=r"^half\.j2: no body for en"):
        load_library(tmp_path)


def test_two_files_with_one_key_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a.j2").write_text(GOOD.replace("kind =", 'key = "same"\nkind ='), "utf-8")
    (tmp_path / "b.j2").write_text(GOOD.replace("kind =", 'key = "same"\nkind ='), "utf-8")
    with pytest.raises(ToolkitError, match=r"b\.j2: key 'same' is used by another file"):
        load_library(tmp_path)


# -- the shipped library ---------------------------------------------------------------------


def test_the_shipped_library_covers_every_kind_and_the_agenda_types() -> None:
    assert len(SHIPPED) >= 8
    assert {s.kind for s in SHIPPED} == set(KIND_MAX_LENGTH)
    served = {kind for s in SHIPPED for kind in s.agenda_kinds}
    assert set(AGENDA_KINDS) - {"other"} <= served
    assert len([s for s in SHIPPED if s.pillar is not None]) >= 3
    assert all(set(s.bodies) == set(LANGUAGES) and s.origin == "file" for s in SHIPPED)


@pytest.mark.parametrize("positioning", POSITIONINGS)
@pytest.mark.parametrize("snippet", SHIPPED, ids=[s.key for s in SHIPPED])
def test_every_shipped_snippet_renders_in_both_languages_within_its_length(
    session: Session, snippet: Snippet, positioning: str
) -> None:
    for language in LANGUAGES:
        text = _render(session, snippet, positioning, language)
        assert text.strip()
        assert len(text) <= snippet.max_length
        assert "{{" not in text and "{%" not in text


# -- positioning -----------------------------------------------------------------------------


@pytest.mark.parametrize("snippet", SHIPPED, ids=[s.key for s in SHIPPED])
def test_monolithic_the_alliance_speaks_in_its_own_name(session: Session, snippet: Snippet) -> None:
    for language in LANGUAGES:
        text = _render(session, snippet, "monolithic", language)
        assert ALLIANCE in text
        assert not re.search(r"partner in|werkt samen in|partner van", text)
        if snippet.kind == "board_memo":  # a partner's own memo is never the alliance's voice
            assert text.startswith(("Memo van Woonkracht Rivierenland", "Memo from Woonkracht"))
        else:
            assert "Woonkracht Rivierenland" not in text  # the partner is invisible


@pytest.mark.parametrize("snippet", SHIPPED, ids=[s.key for s in SHIPPED])
def test_branded_never_names_the_alliance_even_when_the_house_does(
    session: Session, snippet: Snippet
) -> None:
    named = HouseContent(
        f"{ALLIANCE} zorgt dat ouderen thuis wonen. Daar staat {ALLIANCE.upper()} voor.",
        (
            PillarContent("Een huis dat past", f"{ALLIANCE} bouwt.", (f"{ALLIANCE}: 1.200",)),
            PillarContent(f"Zorg van {ALLIANCE}", "Dichtbij.", ()),
            PillarContent("Buren", "Omkijken.", (f"Bewijs van {ALLIANCE}",)),
        ),
    )
    adopt_version(session, get_alliance(session).id or 0, named, source="alliance_file")
    for language in LANGUAGES:
        text = _render(session, snippet, "branded", language)
        assert ALLIANCE.casefold() not in text.casefold()
        assert "Woonkracht Rivierenland" in text


@pytest.mark.parametrize("snippet", SHIPPED, ids=[s.key for s in SHIPPED])
def test_endorsed_the_partner_speaks_as_member_of_the_alliance(
    session: Session, snippet: Snippet
) -> None:
    for language in LANGUAGES:
        text = _render(session, snippet, "endorsed", language)
        assert "Woonkracht Rivierenland" in text
        assert ALLIANCE in text


def test_endorsed_adds_the_membership_line_when_a_text_does_not_name_the_alliance(
    session: Session,
) -> None:
    row = ToolkitSnippet(
        alliance_id=get_alliance(session).id or 0,
        key="plain",
        title="Plain",
        body="{{ speaker }} helpt {{ partner.constituency }}.",
        kind="social_post",
    )
    session.add(row)
    session.flush()
    snippet = next(s for s in library(session, get_alliance(session)) if s.key == "plain")
    text = _render(session, snippet, "endorsed", "nl")
    assert text.endswith(f"Woonkracht Rivierenland werkt samen in {ALLIANCE}.")
    assert _render(session, snippet, "endorsed", "en").endswith(
        f"Woonkracht Rivierenland is partner in {ALLIANCE}."
    )


def test_hide_name_uses_the_phrase_given_capitalised_at_a_sentence_start() -> None:
    text = "Alliantie X helpt. Wij en alliantie x werken. “Alliantie X”"
    assert hide_name(text, "Alliantie X", "de samenwerking") == (
        "De samenwerking helpt. Wij en de samenwerking werken. “De samenwerking”"
    )


# -- maximum length ---------------------------------------------------------------------------


def _add_long_notes(session: Session) -> None:
    note = " ".join(f"kw{i:04d}" for i in range(1500)) + "."
    partner = _partner(session)
    for title in ("Een huis dat past", "Zorg dichtbij", "Buren die omkijken"):
        session.add(PartnerNote(partner_id=partner.id or 0, pillar_title=title, text=note))
    session.flush()


@pytest.mark.parametrize("positioning", POSITIONINGS)
def test_a_very_long_partner_note_never_breaks_the_maximum_length(
    session: Session, positioning: str
) -> None:
    _add_long_notes(session)
    uses_note = 0
    for snippet in SHIPPED:
        for language in LANGUAGES:
            text = _render(session, snippet, positioning, language)
            assert len(text) <= snippet.max_length, (snippet.key, language)
            # shortened at a word boundary: every word of the note that shows is whole
            assert not re.search(r"kw\d{0,3}(?!\d)", text), (snippet.key, language)
            uses_note += "kw0000" in text
            if positioning == "endorsed":
                assert ALLIANCE in text
    assert uses_note >= 2  # the check above is not vacuous


def test_shorten_keeps_whole_sentences_when_that_keeps_enough() -> None:
    text = "First sentence is here. Second sentence is here. Third one is long enough to cut."
    assert shorten(text, 60) == "First sentence is here. Second sentence is here. …"
    assert shorten(text, len(text)) == text


def test_shorten_falls_back_to_whole_words_and_never_cuts_a_word() -> None:
    text = "word " * 40 + "tail"
    short = shorten(text.strip(), 33)
    assert len(short) <= 33
    assert short.endswith("word…")
    assert shorten("Kort. " + "lang " * 30, 40).endswith("lang…")  # one short sentence: words
    assert shorten("x" * 50, 10) == "x" * 9 + "…"  # a single word longer than the limit


# -- advisers' snippets and the sandbox -----------------------------------------------------


def test_library_adds_active_database_snippets_in_one_language(session: Session) -> None:
    alliance = get_alliance(session)
    for key, active in (("eigen", True), ("oud", False), ("newsletter-roof", True)):
        session.add(
            ToolkitSnippet(
                alliance_id=alliance.id or 0,
                key=key,
                title=f"Titel {key}",
                body="Hallo {{ partner.name }}.",
                language="nl",
                agenda_kinds="board, council",
                days_before=4,
                kind="press_quote",
                pillar=1,
                max_length=150,
                active=active,
            )
        )
    session.flush()
    snippets = {s.key: s for s in library(session, alliance)}

    own = snippets["eigen"]
    assert "oud" not in snippets
    assert own.origin == "db"
    assert own.bodies == {"nl": "Hallo {{ partner.name }}.", "en": "Hallo {{ partner.name }}."}
    assert own.titles == {"nl": "Titel eigen", "en": "Titel eigen"}
    assert (own.kind, own.pillar, own.max_length) == ("press_quote", 1, 150)
    assert (own.agenda_kinds, own.lead_days) == (("board", "council"), 4)
    assert snippets["newsletter-roof"].origin == "db"  # an adviser's version replaces the file
    assert len(snippets) == len(SHIPPED) + 1


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ 'x' * 1000000 }}",
        "{{ partner.nonsense.deeper }}",
        "{% for %}",
    ],
)
def test_a_hostile_or_broken_database_snippet_fails_with_a_clear_error(
    session: Session, body: str
) -> None:
    row = ToolkitSnippet(
        alliance_id=get_alliance(session).id or 0, key="evil", title="E", body=body
    )
    session.add(row)
    session.flush()
    snippet = next(s for s in library(session, get_alliance(session)) if s.key == "evil")
    with pytest.raises(ToolkitError, match=r"^snippet 'evil': "):
        _render(session, snippet, "endorsed", "nl")


def test_a_snippet_for_a_pillar_the_house_lacks_says_so(session: Session) -> None:
    small = HouseContent("Dak.", (PillarContent("Een", "Eerste.", ()),))
    adopt_version(session, get_alliance(session).id or 0, small, source="alliance_file")
    snippet = next(s for s in SHIPPED if s.pillar == 3)
    with pytest.raises(ToolkitError, match="pillar 3, but the house has 1 pillar"):
        _render(session, snippet, "endorsed", "nl")
