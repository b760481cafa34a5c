"""Fitting text into platform limits without ever losing a character.

Every platform caps something (Slack sections at 3000 characters, Telegram messages at 4096,
Slack messages at 50 blocks) and a truncated agenda or poll result is worse than a longer
one, so renderers never cut text off: they split it. All renderers share this one splitter.

The splitter works on *unescaped* text (or styled spans) and asks the renderer how long a
candidate piece would be once escaped and marked up. Escaping happens only after the cut, so
a cut can never land inside ``&amp;`` or inside a tag, and each renderer pays exactly for the
markup it really emits.

Guarantees of `split_text` / `split_spans` (and tested as such):

* ``"".join(pieces) == text`` exactly — nothing lost, duplicated or reordered; whitespace at
  a split point stays in the pieces (renderers may drop it at message edges);
* ``measure(piece) <= limit`` for every piece, and no piece is empty;
* a cut goes after a paragraph break, else after a line break, else after a space, each
  preferably leaving the piece at least half full; a word is cut only when the piece has no
  whitespace at all, and then, where the word allows, not inside a combined character
  (letter plus accent, emoji with skin tone, ZWJ sequence).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from bot.core.kernel import Inline, Span, plain_text

T = TypeVar("T")
Measure = Callable[[str], int]

# Paragraph break, line break, any whitespace: the cut goes after the separator.
_BREAKS = (
    re.compile(r"\n[^\S\n]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"\s+"),
)
_JOINERS = frozenset("\u200d\ufe0e\ufe0f")  # ZWJ and variation selectors
_MAX_BACKOFF = 16  # how far a hard cut may move back to keep a combined character whole
_SAFE_SCHEMES = ("https://", "http://", "mailto:")


def utf16_len(text: str) -> int:
    """Length as JavaScript and Telegram count it: emoji outside the BMP count twice.

    Platforms state limits in "characters" but count UTF-16 code units, so measuring this
    way keeps emoji-heavy text safely inside the limit.
    """
    return len(text.encode("utf-16-le")) // 2


def safe_href(href: str | None) -> str | None:
    """A link target we are willing to emit, or None.

    The markup parser already drops unsafe links, but a `Reply` can be built by hand; a
    ``javascript:`` link must not reach a web page or make a platform refuse the message.
    """
    if href and href.startswith(_SAFE_SCHEMES):
        return href
    return None


# -- splitting ---------------------------------------------------------------------------


def split_text(text: str, limit: int, measure: Measure = len) -> list[str]:
    """Split `text` into pieces whose `measure` is at most `limit` (see module docstring).

    `measure` must grow (weakly) as a piece grows; it is only called on slices of `text`.
    Raises ValueError if even one character does not fit, which is a programming error.
    """
    return [text[a:b] for a, b in _ranges(text, limit, lambda a, b: measure(text[a:b]))]


def split_spans(spans: Inline, limit: int, measure: Callable[[Inline], int]) -> list[Inline]:
    """Split styled spans like `split_text` splits their plain text, keeping each style.

    `measure` gets a run of spans and returns the length of their rendered markup, so the
    renderer's own escaping and tags decide where the cut falls.
    """
    text = plain_text(spans)
    cuts = _ranges(text, limit, lambda a, b: measure(slice_spans(spans, a, b)))
    return [slice_spans(spans, a, b) for a, b in cuts]


def slice_spans(spans: Inline, start: int, end: int) -> Inline:
    """The spans covering characters [start, end) of their joined plain text."""
    result: list[Span] = []
    offset = 0
    for span in spans:
        lo, hi = max(start, offset), min(end, offset + len(span.text))
        if lo < hi:
            result.append(replace(span, text=span.text[lo - offset : hi - offset]))
        offset += len(span.text)
        if offset >= end:
            break
    return tuple(result)


def _ranges(text: str, limit: int, measure: Callable[[int, int], int]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    start, end = 0, len(text)
    while start < end:
        if measure(start, end) <= limit:
            ranges.append((start, end))
            break
        fit = _longest_fit(start, end, limit, measure)
        if fit == start:
            raise ValueError(f"limit {limit} cannot hold even {text[start]!r}")
        cut = _best_cut(text, start, fit)
        ranges.append((start, cut))
        start = cut
    return ranges


def _longest_fit(start: int, end: int, limit: int, measure: Callable[[int, int], int]) -> int:
    """The largest `stop` with measure(start, stop) <= limit, knowing the whole does not fit.

    Galloping then bisecting keeps the cost near the size of one piece, not of the text.
    """
    lo, step = start, max(1, limit)
    hi = min(end, start + step)
    while hi < end and measure(start, hi) <= limit:
        lo, step = hi, step * 2
        hi = min(end, start + step)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if measure(start, mid) <= limit:
            lo = mid
        else:
            hi = mid
    return lo


def _best_cut(text: str, start: int, fit: int) -> int:
    """Where to end the piece text[start:fit]: at the nicest break that still fits."""
    for min_size in (max(1, (fit - start) // 2), 1):
        for pattern in _BREAKS:
            cut = _last_break(pattern, text, start, fit, min_size)
            if cut is not None:
                return cut
    return _hard_cut(text, start, fit)


def _last_break(
    pattern: re.Pattern[str], text: str, start: int, fit: int, min_size: int
) -> int | None:
    best: int | None = None
    for match in pattern.finditer(text, start, min(len(text), fit + 1)):
        # After the separator if it fits whole, else just before it.
        cut = match.end() if match.end() <= fit else match.start()
        if cut - start >= min_size:
            best = cut
    return best


def _hard_cut(text: str, start: int, fit: int) -> int:
    """Cut a word that is longer than a whole piece, avoiding splitting a combined glyph."""
    cut = fit
    while cut > start + 1 and fit - cut < _MAX_BACKOFF and _glued(text, cut):
        cut -= 1
    return fit if _glued(text, cut) else cut


def _glued(text: str, cut: int) -> bool:
    """Whether the characters either side of `cut` belong to one visible character."""
    after, before = text[cut], text[cut - 1]
    return (
        before in _JOINERS
        or after in _JOINERS
        or unicodedata.category(after) in ("Mn", "Mc", "Me")
        or "\U0001f3fb" <= after <= "\U0001f3ff"  # skin tone modifiers
        or "\U000e0020" <= after <= "\U000e007f"  # emoji tag sequences
    )


# -- packing -----------------------------------------------------------------------------


def pack(
    items: Sequence[T],
    limit: int,
    size: Callable[[T], int],
    gap: Callable[[T], int] = lambda _item: 0,
) -> list[list[T]]:
    """Group items greedily, in order, into chunks whose total size stays within `limit`.

    `gap` is what an item costs extra when it follows another in the same chunk (a
    separator). Items must already fit on their own: an oversized one raises ValueError
    rather than being cut, because cutting is the splitter's job.
    """
    chunks: list[list[T]] = []
    used = 0
    for item in items:
        own = size(item)
        if own > limit:
            raise ValueError(f"item of size {own} exceeds limit {limit}; split it first")
        if chunks and used + gap(item) + own <= limit:
            chunks[-1].append(item)
            used += gap(item) + own
        else:
            chunks.append([item])
            used = own
    return chunks


@dataclass(frozen=True)
class Piece:
    """Rendered text plus the separator that goes before it when it follows another piece.

    Continuations of one split block carry an empty separator, so packing them back together
    restores the block exactly. `plain` optionally says the same without markup, for
    notification previews.
    """

    text: str
    sep: str = ""
    plain: str = ""


def pack_pieces(pieces: Sequence[Piece], limit: int, measure: Measure = len) -> list[Piece]:
    """Join pieces into as few pieces as possible, each text within `limit`.

    `measure` must be additive (``len``, `utf16_len`), so a text's size is the sum of its
    pieces and separators. Each result keeps the separator of its first piece.
    """
    chunks = pack(pieces, limit, size=lambda p: measure(p.text), gap=lambda p: measure(p.sep))
    return [_join(chunk) for chunk in chunks]


def _join(chunk: list[Piece]) -> Piece:
    first, rest = chunk[0], chunk[1:]
    return Piece(
        text=first.text + "".join(p.sep + p.text for p in rest),
        sep=first.sep,
        plain=first.plain + "".join(p.sep + p.plain for p in rest),
    )


def shorten(text: str, limit: int, measure: Measure = len, mark: str = "…") -> str:
    """A preview of `text` within `limit`, visibly marked when cut.

    Only for notification previews whose full text is delivered elsewhere in the message;
    content itself is always split, never shortened.
    """
    if measure(text) <= limit:
        return text
    return split_text(text, limit - measure(mark), measure)[0].rstrip() + mark
