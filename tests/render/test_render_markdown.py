"""Markdown export: structure, inline styles, and escaping that a reader sees literally.

A Markdown reader (markdown-it-py, the CommonMark parser `rich` already brings along) checks
what a person really sees, rather than only comparing strings.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.kernel.replies import Block, BulletList, Heading, Paragraph, Reply, SmallPrint, Span
from bot.render.markdown import escape_markdown, markdown_inline, render_markdown

markdown_it = pytest.importorskip("markdown_it")

SPECIALS = "\\`*_{}[]()<>#+-.!|~"
NASTY = r"*nieuw* 2_000 [x](y) # kop \pad\ `code` <b>vet</b> {a} 1. + - ! | ~~weg~~ ![i](z)"
_PARSER = markdown_it.MarkdownIt("commonmark")


def shown(markdown: str) -> str:
    """The HTML a CommonMark reader makes of `markdown`."""
    return _PARSER.render(markdown)


def visible(markdown: str) -> str:
    """The words a reader sees: the rendered HTML without tags, entities resolved."""
    return html.unescape(re.sub(r"<[^>]+>", "", shown(markdown))).strip()


def unescape(text: str) -> str:
    """Remove the backslash before each escaped character."""
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


# -- structure ---------------------------------------------------------------------------


def test_blocks_become_headings_paragraphs_bullets_rules_and_small_print() -> None:
    reply = Reply.from_markup(
        "<h>Kernboodschap</h><p>Het dak</p><ul><li>een</li><li>twee</li></ul>"
        "<hr><small>Versie 2</small>"
    )
    assert render_markdown(reply) == (
        "## Kernboodschap\n\nHet dak\n\n- een\n- twee\n\n---\n\n_Versie 2_\n"
    )
    rendered = shown(render_markdown(reply))
    assert "<h2>Kernboodschap</h2>" in rendered
    assert "<li>een</li>" in rendered and "<li>twee</li>" in rendered
    assert "<hr />" in rendered
    assert "<em>Versie 2</em>" in rendered


def test_a_line_break_inside_a_block_is_a_hard_break() -> None:
    markdown = render_markdown(Reply.from_markup("<p><b>1. Titel</b><br>De boodschap</p>"))
    assert markdown == "**1\\. Titel**  \nDe boodschap\n"
    assert "<strong>1. Titel</strong><br />" in shown(markdown)


def test_inline_bold_italic_code_and_link() -> None:
    reply = Reply.from_markup(
        '<p><b>vet</b> <i>schuin</i> <code>x=1</code> <a href="https://example.org/a_b">site</a></p>'
    )
    markdown = render_markdown(reply)
    assert markdown == "**vet** *schuin* `x=1` [site](<https://example.org/a_b>)\n"
    rendered = shown(markdown)
    assert "<strong>vet</strong>" in rendered
    assert "<em>schuin</em>" in rendered
    assert "<code>x=1</code>" in rendered
    assert '<a href="https://example.org/a_b">site</a>' in rendered


def test_bold_and_italic_together_and_styled_link() -> None:
    spans = (
        Span("beide", bold=True, italic=True),
        Span(" "),
        Span("hier", bold=True, href="https://x.nl"),
    )
    markdown = markdown_inline(spans)
    assert markdown == "***beide*** [**hier**](<https://x.nl>)"
    rendered = shown(markdown)
    assert "<em><strong>beide</strong></em>" in rendered
    assert '<a href="https://x.nl"><strong>hier</strong></a>' in rendered


def test_bold_keeps_surrounding_whitespace_outside_the_markers() -> None:
    markdown = markdown_inline((Span("een"), Span(" vet ", bold=True), Span("woord")))
    assert markdown == "een **vet** woord"
    assert "<strong>vet</strong>" in shown(markdown)


def test_an_unsafe_link_is_not_emitted() -> None:
    reply = Reply((Paragraph((Span("klik", href="javascript:alert(1)"),)),))
    markdown = render_markdown(reply)
    assert "javascript" not in markdown
    assert visible(markdown) == "klik"


def test_a_backtick_cannot_break_out_of_a_code_span() -> None:
    markdown = markdown_inline((Span("a`*b*`c", code=True),))
    rendered = shown(markdown)
    assert rendered.count("<code>") == 1
    assert "<em>" not in rendered


# -- escaping ----------------------------------------------------------------------------


ALWAYS = "\\`*_[]<|~"  # markup wherever it stands


@pytest.mark.parametrize("special", list(ALWAYS))
def test_inline_markup_is_escaped_wherever_it_stands(special: str) -> None:
    assert escape_markdown(f"a{special}b") == f"a\\{special}b"


def test_ordinary_text_is_left_alone() -> None:
    text = "Eén op de vier inwoners: 25% — mantelzorger, 'echt' \"waar\" 🏡"
    assert escape_markdown(text) == text


def test_only_what_markdown_needs_is_escaped_not_every_period() -> None:
    """`house export` used to write `1\\.200 woningen\\.`: readable only as Markdown."""
    text = "In 2026 hielpen we 1.200 senioren (70+) verhuizen - met #Rivierenland! A & B {x}."
    assert escape_markdown(text) == text
    assert escape_markdown("Zorg &amp; welzijn") == "Zorg \\&amp; welzijn"  # an entity
    for line, escaped in (
        ("1. eerste", "1\\. eerste"),
        ("12) twaalf", "12\\) twaalf"),
        ("# kop", "\\# kop"),
        ("> citaat", "\\> citaat"),
        ("- streep", "\\- streep"),
        ("+ plus", "\\+ plus"),
        ("===", "\\==="),
    ):
        assert escape_markdown(line) == escaped
        assert visible(render_markdown(Reply((Paragraph((Span(line),)),)))) == line


@pytest.mark.parametrize(
    "block",
    [
        lambda text: Paragraph((Span(text),)),
        lambda text: Heading((Span(text),)),
        lambda text: BulletList(((Span(text),),)),
        lambda text: SmallPrint((Span(text),)),
        lambda text: Paragraph((Span(text, bold=True),)),
        lambda text: Paragraph((Span(text, italic=True),)),
    ],
    ids=["paragraph", "heading", "bullet", "context", "bold", "italic"],
)
def test_text_full_of_specials_is_seen_literally(block: Callable[[str], Block]) -> None:
    markdown = render_markdown(Reply((block(NASTY),)))
    rendered = shown(markdown)
    assert "<a " not in rendered and "<img" not in rendered and "<code>" not in rendered
    assert "<b>" not in rendered and "<h1>" not in rendered
    assert visible(markdown) == NASTY


@pytest.mark.parametrize(
    "text",
    ["1. eerste", "2) tweede", "- streep", "+ plus", "* ster", "# kop", "> citaat", "---", "___"],
)
def test_text_that_looks_like_block_markup_stays_a_paragraph(text: str) -> None:
    markdown = render_markdown(Reply((Paragraph((Span(text),)),)))
    rendered = shown(markdown)
    assert rendered.startswith("<p>"), rendered
    assert visible(markdown) == text


def test_a_house_export_can_be_read_back_word_for_word() -> None:
    reply = Reply.from_markup(
        "<h>Kernboodschap van A &amp; B</h><p><b>Dak_met_*sterren*</b></p>"
        "<p><b>1. [Titel]</b><br>Boodschap (met #hashtag)</p>"
        "<ul><li>2_000 *nieuw* [x](y)</li><li>100% &lt;zeker&gt;</li></ul><hr>"
        "<small>Versie 2 — 1.200 woningen!</small>"
    )
    seen = visible(render_markdown(reply))
    for text in (
        "Kernboodschap van A & B",
        "Dak_met_*sterren*",
        "1. [Titel]",
        "Boodschap (met #hashtag)",
        "2_000 *nieuw* [x](y)",
        "100% <zeker>",
        "Versie 2 — 1.200 woningen!",
    ):
        assert text in seen


def test_text_that_looks_like_an_html_entity_is_seen_literally() -> None:
    text = "Zorg &amp; Welzijn &copy; 2026"
    assert visible(render_markdown(Reply((Paragraph((Span(text),)),)))) == text


def test_a_line_of_equals_signs_does_not_turn_the_line_above_into_a_heading() -> None:
    reply = Reply.from_markup("<p><b>1. Titel</b><br>===</p>")
    rendered = shown(render_markdown(reply))
    assert "<h1>" not in rendered
    assert "===" in visible(render_markdown(reply))


# -- properties --------------------------------------------------------------------------

_CHARACTER = st.one_of(st.sampled_from(SPECIALS), st.characters(codec="utf-8"))
_ANY_TEXT = st.text(alphabet=_CHARACTER, max_size=80)
_ONE_LINE = st.text(alphabet=_CHARACTER.filter(lambda c: c != "\n"), max_size=60)


@given(_ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_unescaping_the_escaped_text_gives_the_original_back(text: str) -> None:
    escaped = escape_markdown(text)
    assert unescape(escaped) == text
    # and no inline markup is left unescaped
    assert not set(re.sub(r"\\.", "", escaped, flags=re.DOTALL)) & set(ALWAYS)


@given(_ONE_LINE)
@settings(max_examples=200, deadline=None)
def test_a_rendered_line_unescapes_to_the_original(text: str) -> None:
    markdown = render_markdown(Reply((Paragraph((Span(text),)),)))
    assert markdown.endswith("\n")
    assert unescape(markdown[:-1]) == text


@given(
    st.text(
        alphabet=st.one_of(st.sampled_from(SPECIALS), st.sampled_from("abc 12=:;'\"%é🏡")),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)
@settings(max_examples=200, deadline=None)
def test_a_reader_sees_any_line_of_specials_literally(text: str) -> None:
    markdown = render_markdown(Reply((BulletList(((Span(text),),)),)))
    assert visible(markdown) == text
