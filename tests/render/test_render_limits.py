"""The shared splitter: exact, within limits, and cutting at the nicest place available."""

from __future__ import annotations

import html

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.kernel.replies import Inline, Span, plain_text
from bot.render.limits import (
    Piece,
    pack,
    pack_pieces,
    safe_href,
    shorten,
    slice_spans,
    split_spans,
    split_text,
    utf16_len,
)


def escaped_len(text: str) -> int:
    return utf16_len(html.escape(text, quote=False))


# -- examples ----------------------------------------------------------------------------


def test_short_text_is_one_piece_and_empty_text_none() -> None:
    assert split_text("hallo", 10) == ["hallo"]
    assert split_text("", 10) == []


def test_prefers_paragraph_break_over_line_break_and_space() -> None:
    text = "aaaa bbbb\ncccc\n\ndddd eeee"
    assert split_text(text, 20) == ["aaaa bbbb\ncccc\n\n", "dddd eeee"]


def test_prefers_line_break_over_space() -> None:
    text = "aaaa bbbb\ncccc dddd eeee"
    assert split_text(text, 18) == ["aaaa bbbb\n", "cccc dddd eeee"]


def test_splits_at_space_not_inside_words() -> None:
    pieces = split_text("een twee drie vier vijf zes zeven", 12)
    assert "".join(pieces) == "een twee drie vier vijf zes zeven"
    assert all(len(p) <= 12 for p in pieces)
    assert all(p.endswith(" ") for p in pieces[:-1])


def test_avoids_a_tiny_first_piece_when_a_later_break_exists() -> None:
    text = "a\n\n" + "b" * 10 + " " + "c" * 10
    assert split_text(text, 16) == ["a\n\n" + "b" * 10 + " ", "c" * 10]


def test_hard_splits_only_a_word_longer_than_the_limit() -> None:
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("ab " + "x" * 12, 10) == ["ab ", "x" * 10, "xx"]


def test_never_cuts_inside_an_entity() -> None:
    pieces = split_text("a&b&c&d", 7, escaped_len)
    assert "".join(pieces) == "a&b&c&d"
    escaped = [html.escape(p, quote=False) for p in pieces]
    assert all(len(e) <= 7 for e in escaped)
    assert all(e.count("&") == e.count("&amp;") for e in escaped)


def test_keeps_zwj_emoji_sequence_whole_when_the_word_allows() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one visible family emoji
    text = "x" * 5 + family + family
    pieces = split_text(text, 8)
    assert "".join(pieces) == text
    assert pieces[0] == "x" * 5
    assert all(not p.startswith("\u200d") and not p.endswith("\u200d") for p in pieces)


def test_keeps_combining_accent_with_its_letter() -> None:
    text = "e\u0301" * 6  # é written as e + combining acute
    pieces = split_text(text, 5)
    assert all(unicode_starts_with_letter(p) for p in pieces)


def unicode_starts_with_letter(piece: str) -> bool:
    return piece[0] == "e"


def test_utf16_counts_astral_emoji_twice() -> None:
    assert utf16_len("a😀") == 3
    pieces = split_text("😀" * 5, 4, utf16_len)
    assert pieces == ["😀😀", "😀😀", "😀"]


def test_limit_too_small_for_one_character_is_an_error() -> None:
    with pytest.raises(ValueError):
        split_text("&", 4, escaped_len)


def test_split_spans_keeps_styles_and_text() -> None:
    spans: Inline = (Span("vet woord ", bold=True), Span("en gewoon verder tekst"))
    pieces = split_spans(spans, 11, lambda run: len(plain_text(run)))
    assert plain_text(tuple(s for piece in pieces for s in piece)) == plain_text(spans)
    assert pieces[0] == (Span("vet woord ", bold=True),)
    assert all(not s.bold for piece in pieces[1:] for s in piece)


def test_split_spans_measures_markup() -> None:
    spans: Inline = (Span("aaaa bbbb", bold=True),)

    def measure(run: Inline) -> int:
        return sum(len(s.text) + (7 if s.bold else 0) for s in run)  # <b></b>

    assert split_spans(spans, 12, measure) == [
        (Span("aaaa ", bold=True),),
        (Span("bbbb", bold=True),),
    ]


def test_slice_spans() -> None:
    spans: Inline = (Span("abc"), Span("def", italic=True))
    assert slice_spans(spans, 2, 4) == (Span("c"), Span("d", italic=True))
    assert slice_spans(spans, 3, 3) == ()


def test_pack_groups_in_order_and_refuses_oversized_items() -> None:
    assert pack([1, 2, 3, 4], 5, size=lambda n: n) == [[1, 2], [3], [4]]
    assert pack([1, 1, 1], 3, size=lambda n: n, gap=lambda _n: 1) == [[1, 1], [1]]
    with pytest.raises(ValueError):
        pack([6], 5, size=lambda n: n)


def test_pack_pieces_joins_with_separators() -> None:
    pieces = [Piece("aa"), Piece("bb", "\n"), Piece("cc", ""), Piece("dd", "\n\n")]
    assert [p.text for p in pack_pieces(pieces, 7)] == ["aa\nbbcc", "dd"]


def test_shorten_marks_the_cut() -> None:
    assert shorten("kort", 10) == "kort"
    assert shorten("een twee drie vier", 10) == "een twee…"


def test_safe_href() -> None:
    assert safe_href("https://example.org") == "https://example.org"
    assert safe_href("mailto:a@b.nl") == "mailto:a@b.nl"
    assert safe_href("javascript:alert(1)") is None
    assert safe_href(None) is None


# -- properties --------------------------------------------------------------------------

TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from([*"&<>\"' \n\t", "😀", "\u200d", "\u0301", "\U0001f3fd"]),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)


@given(text=TEXT, limit=st.integers(min_value=5, max_value=60))
def test_split_then_escape_loses_nothing_and_respects_the_limit(text: str, limit: int) -> None:
    """What the splitter guarantees: concatenation is the original, exactly, every piece
    non-empty and within the limit as measured on the escaped text."""
    pieces = split_text(text, limit, escaped_len)
    escaped = [html.escape(p, quote=False) for p in pieces]
    assert "".join(html.unescape(e) for e in escaped) == text
    assert all(p for p in pieces)
    assert all(utf16_len(e) <= limit for e in escaped)


@given(
    texts=st.lists(st.tuples(TEXT, st.booleans()), max_size=5),
    limit=st.integers(min_value=12, max_value=80),
)
def test_split_spans_loses_nothing_and_respects_the_limit(
    texts: list[tuple[str, bool]], limit: int
) -> None:
    spans = tuple(Span(text, bold=bold) for text, bold in texts if text)

    def measure(run: Inline) -> int:
        return sum(escaped_len(s.text) + (7 if s.bold else 0) for s in run)

    pieces = split_spans(spans, limit, measure)
    assert "".join(plain_text(p) for p in pieces) == plain_text(spans)
    assert all(measure(p) <= limit for p in pieces)
    styles = [(s.bold, ch) for p in pieces for s in p for ch in s.text]
    assert styles == [(s.bold, ch) for s in spans for ch in s.text]
