"""The small markup parser: blocks, inline styles, entities, safety, and never raising."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.kernel.replies import (
    Block,
    BulletList,
    Button,
    Divider,
    Heading,
    Paragraph,
    Reply,
    SmallPrint,
    Span,
    parse_markup,
    plain_text,
)

BLOCK_TYPES = (Heading, Paragraph, BulletList, Divider, SmallPrint)
SAFE_SCHEMES = ("https://", "http://", "mailto:")


def only_paragraph_text(markup: str) -> str:
    blocks = parse_markup(markup)
    assert len(blocks) == 1, blocks
    assert isinstance(blocks[0], Paragraph), blocks
    return plain_text(blocks[0].spans)


# -- blocks --------------------------------------------------------------------------------


def test_heading() -> None:
    assert parse_markup("<h>Kernboodschap</h>") == (Heading((Span("Kernboodschap"),)),)


def test_paragraphs_and_loose_text() -> None:
    blocks = parse_markup("<p>een</p>tussen<p>twee</p>")

    assert blocks == (
        Paragraph((Span("een"),)),
        Paragraph((Span("tussen"),)),
        Paragraph((Span("twee"),)),
    )


def test_whitespace_is_collapsed_and_trimmed_as_in_html() -> None:
    assert parse_markup("<p>\n   veel \t\n  ruimte   hier \n</p>") == (
        Paragraph((Span("veel ruimte hier"),)),
    )
    assert parse_markup("   \n\t  ") == ()


def test_bullet_list() -> None:
    blocks = parse_markup("<ul>\n<li>een</li>\n<li><b>twee</b> drie</li>\n<li> </li>\n</ul>")

    assert blocks == (
        BulletList(
            (
                (Span("een"),),
                (Span("twee", bold=True), Span(" drie")),
            )
        ),
    )


def test_a_list_without_items_is_no_block_and_an_unclosed_list_still_counts() -> None:
    assert parse_markup("<ul><li></li></ul>") == ()
    assert parse_markup("<ul><li>a<li>b") == (BulletList(((Span("a"),), (Span("b"),))),)


def test_divider_and_context() -> None:
    blocks = parse_markup("<p>boven</p><hr><small>Versie 2, aangenomen op 1 maart.</small>")

    assert blocks == (
        Paragraph((Span("boven"),)),
        Divider(),
        SmallPrint((Span("Versie 2, aangenomen op 1 maart."),)),
    )


def test_a_divider_ends_the_open_block() -> None:
    blocks = parse_markup("voor<hr>na")

    assert [type(b) for b in blocks] == [Paragraph, Divider, Paragraph]


# -- inline --------------------------------------------------------------------------------


def test_inline_styles() -> None:
    blocks = parse_markup(
        "<p><b>vet</b> <strong>sterk</strong> <i>schuin</i> <em>nadruk</em> <code>code</code></p>"
    )

    assert blocks == (
        Paragraph(
            (
                Span("vet", bold=True),
                Span(" "),
                Span("sterk", bold=True),
                Span(" "),
                Span("schuin", italic=True),
                Span(" "),
                Span("nadruk", italic=True),
                Span(" "),
                Span("code", code=True),
            )
        ),
    )


def test_nested_styles_combine() -> None:
    blocks = parse_markup("<p><b>vet <i>en schuin</i></b> gewoon</p>")

    assert blocks == (
        Paragraph(
            (
                Span("vet ", bold=True),
                Span("en schuin", bold=True, italic=True),
                Span(" gewoon"),
            )
        ),
    )


@pytest.mark.parametrize("href", ["https://example.org/a?b=1&c=2", "http://x.nl", "mailto:a@b.nl"])
def test_safe_links_keep_their_href(href: str) -> None:
    escaped = href.replace("&", "&amp;")
    blocks = parse_markup(f'<p>zie <a href="{escaped}">hier</a>.</p>')

    assert blocks == (Paragraph((Span("zie "), Span("hier", href=href), Span("."))),)


def test_line_breaks() -> None:
    assert only_paragraph_text("<p>regel een <br> regel twee<br>drie</p>") == (
        "regel een\nregel twee\ndrie"
    )


def test_a_line_break_outside_a_block_makes_no_empty_block() -> None:
    assert parse_markup("<br><br>") == ()


# -- entities ------------------------------------------------------------------------------


def test_entities_decode_to_text() -> None:
    assert only_paragraph_text("Bouw &amp; Co") == "Bouw & Co"
    assert only_paragraph_text("&quot;q&quot; &#39;s &#8364; &euro;") == '"q" \'s € €'


def test_an_escaped_tag_stays_literal_text() -> None:
    blocks = parse_markup("<p>&lt;b&gt;Bouw &amp; Co&lt;/b&gt;</p>")

    assert blocks == (Paragraph((Span("<b>Bouw & Co</b>"),)),)
    assert not blocks[0].spans[0].bold  # type: ignore[union-attr]


def test_double_escaping_decodes_once() -> None:
    assert only_paragraph_text("&amp;lt;b&amp;gt;") == "&lt;b&gt;"


# -- safety --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java&#x09;script:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "/relative/path",
        "",
    ],
)
def test_unsafe_links_lose_their_href_but_keep_their_text(href: str) -> None:
    blocks = parse_markup(f'<p><a href="{href}">klik</a></p>')

    assert blocks == (Paragraph((Span("klik"),)),)


def test_a_link_without_href_is_plain_text() -> None:
    assert parse_markup("<a>geen link</a>") == (Paragraph((Span("geen link"),)),)


def test_an_unsafe_inner_link_does_not_inherit_the_outer_href() -> None:
    blocks = parse_markup('<a href="https://a.nl"><a href="javascript:x">in</a>uit</a>')

    assert blocks == (Paragraph((Span("in"), Span("uit", href="https://a.nl"))),)


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<blink>knipper</blink> tekst", "knipper tekst"),
        ('<div onclick="steal()">binnen</div>', "binnen"),
        ("<script>alert(1)</script>", "alert(1)"),
        ('<b onclick="steal()">vet</b>', "vet"),
        ("<font color=red>rood</font>", "rood"),
    ],
)
def test_unknown_tags_and_attributes_are_dropped_and_their_text_kept(
    markup: str, text: str
) -> None:
    assert only_paragraph_text(markup) == text
    rendered = repr(parse_markup(markup))
    assert "onclick" not in rendered and "steal" not in rendered


def test_a_tag_without_text_leaves_nothing() -> None:
    assert parse_markup('<img src="x" onerror="alert(1)">') == ()


def test_reply_from_markup_parses_and_keeps_buttons() -> None:
    button = Button("Onderschrijf", "endorse:1", style="primary")

    reply = Reply.from_markup("<h>Titel</h><p>tekst</p>", buttons=(button,))

    assert reply.blocks == (Heading((Span("Titel"),)), Paragraph((Span("tekst"),)))
    assert reply.buttons == (button,)
    assert reply.ephemeral is True
    assert reply.with_buttons(button).buttons == (button, button)


# -- never raises --------------------------------------------------------------------------

MARKUP_PIECES = st.sampled_from(
    [
        "<", ">", "</", "<!", "<!--", "-->", "<?", "&", "&amp;", "&#", "&#x", ";", "=", "'",
        '"', " ", "\n", "<p>", "</p>", "<h>", "</h>", "<ul>", "</ul>", "<li>", "</li>", "<br>",
        "<hr>", "<small>", "</small>", "<b>", "</b>", "<i>", "</i>", "<code>", "</code>",
        '<a href="https://x.nl">', '<a href="javascript:x">', "</a>", "<script>", "</script>",
        "<style>", "[", "]", "CDATA", "tekst",
    ]
)  # fmt: skip
MARKUP = st.lists(st.one_of(MARKUP_PIECES, st.text(max_size=4)), max_size=40).map("".join)


def check_blocks(blocks: tuple[Block, ...]) -> None:
    assert isinstance(blocks, tuple)
    for block in blocks:
        assert isinstance(block, BLOCK_TYPES)
        if isinstance(block, Divider):
            continue
        inlines = block.items if isinstance(block, BulletList) else (block.spans,)
        assert inlines, block
        for spans in inlines:
            assert spans, block
            assert plain_text(spans).strip(), block
            for span in spans:
                assert span.text, block
                assert span.href is None or span.href.startswith(SAFE_SCHEMES), span


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_parse_markup_never_raises_on_arbitrary_text(text: str) -> None:
    check_blocks(parse_markup(text))


@settings(max_examples=500, deadline=None)
@given(MARKUP)
def test_parse_markup_never_raises_on_markup_like_garbage(markup: str) -> None:
    check_blocks(parse_markup(markup))


_SPACE = re.compile(r"[ \t\r\n\f\v]+")


@settings(max_examples=300, deadline=None)
@given(st.text().filter(lambda t: "<" not in t and "&" not in t))
def test_text_without_markup_comes_through_unchanged_but_for_spaces(text: str) -> None:
    blocks = parse_markup(text)

    expected = _SPACE.sub(" ", text).strip()
    if not expected.strip():
        assert blocks == ()
    else:
        assert blocks == (Paragraph((Span(expected),)),)


# -- known bugs ----------------------------------------------------------------------------


@pytest.mark.parametrize("markup", ["<![foo[bar]]>", "<p>a <![ ]> b</p>"])
def test_parse_markup_does_not_raise_on_a_marked_section(markup: str) -> None:
    check_blocks(parse_markup(markup))


def test_a_line_break_at_the_end_of_a_block_is_trimmed() -> None:
    assert only_paragraph_text("<p>laatste regel<br></p>") == "laatste regel"
