"""Texts: a complete Dutch catalog, both languages, escaping, and sandboxed user templates."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.core.dispatch import COMMANDS, COMMANDS_BY_KEY
from bot.core.house.content import HouseContent, HouseView, PillarContent
from bot.core.kernel.commands import ROLES
from bot.core.kernel.help import help_entry
from bot.core.kernel.replies import BulletList, Paragraph, parse_markup, plain_text
from bot.core.kernel.sandbox import UserTemplateError, render_user_template
from bot.core.kernel.texts import Texts

ROOT = Path(__file__).parents[3]
PO_FILE = ROOT / "messages" / "locale" / "nl" / "LC_MESSAGES" / "messages.po"
JINJA_PATTERN = "messages/templates/**.j2"
METHOD_MAP = [("bot/**.py", "python"), (JINJA_PATTERN, "jinja2.ext:babel_extract")]
OPTIONS_MAP = {
    JINJA_PATTERN: {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}
}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def _extract() -> dict[str, list[str]]:
    """Every message id in the code and templates, with where it was found."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS
    ):
        key = message[0] if isinstance(message, tuple) else message
        if key:
            found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


EXTRACTED = _extract()


def _catalog() -> Catalog:
    with PO_FILE.open("rb") as po_file:
        return read_po(po_file, locale="nl")


def _id_params() -> list[Any]:
    params = []
    for message_id in sorted(EXTRACTED):
        params.append(pytest.param(message_id, id=message_id[:40]))
    return params


# -- (1) catalog completeness --------------------------------------------------------------


def test_extraction_finds_texts_in_code_and_templates() -> None:
    """Guard against a vacuous completeness check (a broken method map finds nothing)."""
    places = [place for where in EXTRACTED.values() for place in where]
    assert any(place.startswith("bot/") for place in places)
    assert any(place.startswith("messages/templates/") for place in places)
    assert "what I can do here" in EXTRACTED  # from bot/core/commands.py
    assert "Message house of %(alliance)s" in EXTRACTED  # from house.j2
    assert "advisers" in EXTRACTED  # from bot/core/texts.py
    assert len(EXTRACTED) >= 30


@pytest.mark.parametrize("message_id", _id_params())
def test_every_text_has_a_dutch_translation(message_id: str) -> None:
    message = _catalog().get(message_id)

    assert message is not None, f"{message_id!r} ({EXTRACTED[message_id]}) is not in {PO_FILE}"
    assert not message.fuzzy, f"{message_id!r} is marked fuzzy"
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    assert all(s and s.strip() for s in strings), f"{message_id!r} has an empty translation"


@pytest.mark.parametrize("message_id", sorted(EXTRACTED), ids=lambda m: m[:40])
def test_translations_keep_the_same_placeholders(message_id: str) -> None:
    message = _catalog().get(message_id)
    if message is None:
        pytest.skip("no translation (reported by the completeness test)")
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    expected = set(PLACEHOLDER.findall(message_id))

    for string in strings:
        assert set(PLACEHOLDER.findall(string)) == expected, (message_id, string)


def test_the_placeholder_check_would_notice_a_mismatch() -> None:
    assert set(PLACEHOLDER.findall("Hallo %(naam)s")) != set(PLACEHOLDER.findall("Hi %(name)s"))
    assert set(PLACEHOLDER.findall("%(a)s en %(b)d")) == {"a", "b"}


# -- (2) languages -------------------------------------------------------------------------


def test_dutch_and_english_differ_for_a_known_text() -> None:
    dutch = Texts("nl").gettext("what I can do here")
    english = Texts("en").gettext("what I can do here")

    assert english == "what I can do here"
    assert dutch == "wat ik hier voor je kan doen"


def test_gettext_fills_in_values() -> None:
    message = 'Hello %(name)s. Type a command (for example "help"), or "quit" to stop.'

    assert Texts("nl").gettext(message, name="Anna").startswith("Hallo Anna.")
    assert Texts("en").gettext(message, name="Anna").startswith("Hello Anna.")


@pytest.mark.parametrize("language", ["fr", "de", None, "", "xx-YY"])
def test_an_unknown_language_falls_back_to_dutch(language: str | None) -> None:
    texts = Texts(language)

    assert texts.language == "nl"
    assert texts.gettext("what I can do here") == "wat ik hier voor je kan doen"


@pytest.mark.parametrize(("language", "expected"), [("EN", "en"), ("en-GB", "en"), ("nl_BE", "nl")])
def test_language_tags_are_normalised(language: str, expected: str) -> None:
    assert Texts(language).language == expected


def test_templates_render_in_the_persons_language() -> None:
    dutch = parse_markup(Texts("nl").render("house_missing"))
    english = parse_markup(Texts("en").render("house_missing"))

    assert len(dutch) == len(english) == 1
    assert isinstance(dutch[0], Paragraph) and isinstance(english[0], Paragraph)
    assert plain_text(english[0].spans).startswith("There is no message house yet.")
    assert plain_text(dutch[0].spans).startswith("Er is nog geen kernboodschap.")
    # The literal "[message_house]" in the text survives as text.
    assert "[message_house]" in plain_text(dutch[0].spans)


# -- (3) autoescape ------------------------------------------------------------------------

HOSTILE = "<b>x</b> & {{ 7*7 }}"


def _cmd(key: str) -> str:
    return "/" + COMMANDS_BY_KEY[key].english


@pytest.mark.parametrize("language", ["nl", "en"])
def test_values_in_our_templates_are_escaped(language: str) -> None:
    markup = Texts(language).render(
        "unknown_command", word=HOSTILE, suggestion=HOSTILE, prefix="/", cmd=_cmd
    )

    assert "<b>" not in markup
    assert "&lt;b&gt;x&lt;/b&gt; &amp; {{ 7*7 }}" in markup
    assert "49" not in markup
    blocks = parse_markup(markup)
    text = plain_text(blocks[0].spans)  # type: ignore[union-attr]
    assert text.count(HOSTILE) == 2  # the word and the suggestion, literally
    assert not any(span.bold for span in blocks[0].spans)  # type: ignore[union-attr]


def test_a_command_helper_returning_markup_is_escaped_too() -> None:
    markup = Texts("en").render(
        "unknown_command", word="", suggestion=None, prefix="/", cmd=lambda key: f"<i>{key}</i>"
    )

    assert "<i>" not in markup
    assert "&lt;i&gt;house&lt;/i&gt;" in markup


def test_partner_and_house_values_are_escaped_in_the_house_template() -> None:
    hostile_partner = SimpleNamespace(name="<b>Bouw & Co</b>")
    view = HouseView(
        version=3,
        content=HouseContent(
            "<a href='javascript:alert(1)'>dak</a> {{ 7*7 }}",
            (PillarContent("<i>Pijler</i>", "Boodschap & meer", ("<script>x</script>",)),),
        ),
        adopted_at=date(2026, 3, 1),
        source="proposal",
        endorsed_by=(),
        missing=(hostile_partner,),  # type: ignore[arg-type]
        proposal=None,
    )
    alliance = SimpleNamespace(name="<h>Alliantie</h>")

    markup = Texts("nl").render("house", view=view, alliance=alliance)

    for raw in ("<b>Bouw", "<a href", "<i>Pijler", "<script>", "<h>Alliantie"):
        assert raw not in markup
    assert "49" not in markup
    blocks = parse_markup(markup)
    texts = [
        plain_text(item)
        for block in blocks
        for item in (
            block.items if isinstance(block, BulletList) else [getattr(block, "spans", ())]
        )
    ]
    assert "<h>Alliantie</h>" in texts[0]
    assert any("<a href='javascript:alert(1)'>dak</a> {{ 7*7 }}" in t for t in texts)
    assert any("<script>x</script>" in t for t in texts)
    assert any("<b>Bouw & Co</b>" in t for t in texts)
    assert all(span.href is None for block in blocks for span in getattr(block, "spans", ()))


@pytest.mark.parametrize("language", ["nl", "en"])
def test_help_shows_the_usage_of_commands_with_an_argument(language: str) -> None:
    reader = SimpleNamespace(
        texts=Texts(language), person=SimpleNamespace(role_set=ROLES), cmd=_cmd
    )
    values = {
        "partner": "woonkracht",
        "other": "zorggroep",
        "date": "2027-01-05",
        "agreement": "A001",
    }
    entries = [help_entry(reader, spec, values) for spec in COMMANDS]  # type: ignore[arg-type]
    markup = Texts(language).render(
        "help", person=SimpleNamespace(name="Anna"), entries=entries, asked="", prefix="/", cmd=_cmd
    )

    blocks = parse_markup(markup)
    items = next(block for block in blocks if isinstance(block, BulletList)).items
    lines = [plain_text(item) for item in items]
    signal_item = next(item for item in items if plain_text(item).startswith("/signal"))
    usage = {"nl": "tekst", "en": "text"}[language]
    assert plain_text(signal_item).startswith(f"/signal {usage}"), lines
    assert any(span.italic and span.text == usage for span in signal_item)


# -- (4) user templates --------------------------------------------------------------------


def test_a_user_template_renders_its_values() -> None:
    assert render_user_template("Hallo {{ partner }}", partner="Woonkracht") == "Hallo Woonkracht"


def test_a_user_template_escapes_its_values() -> None:
    rendered = render_user_template("Hallo {{ partner }}", partner="<b>Bouw & Co</b>")

    assert rendered == "Hallo &lt;b&gt;Bouw &amp; Co&lt;/b&gt;"


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ partner.__class__ }}",
        "{{ partner.upper.__globals__ }}",
        "{% for i in range(10) %}{{ i.__class__.__bases__ }}{% endfor %}",
    ],
)
def test_a_user_template_cannot_reach_python_internals(source: str) -> None:
    with pytest.raises(UserTemplateError):
        render_user_template(source, partner="Woonkracht")


def test_an_undefined_variable_in_a_user_template_is_refused() -> None:
    with pytest.raises(UserTemplateError, match="partnr"):
        render_user_template("Hallo {{ partnr }}", partner="Woonkracht")


def test_a_syntax_error_in_a_user_template_is_refused() -> None:
    with pytest.raises(UserTemplateError):
        render_user_template("Hallo {{ partner ", partner="Woonkracht")


def test_a_runtime_error_in_a_user_template_is_refused() -> None:
    with pytest.raises(UserTemplateError):
        render_user_template("{{ 1 / 0 }}")
