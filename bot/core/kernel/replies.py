"""The neutral reply every adapter renders.

The core never knows which platform it talks to. It answers with a `Reply`: a few blocks of
text, buttons that carry compact action ids, and optionally an image. Text arrives from
templates as a *small markup* — a tiny, strict subset of HTML — because Jinja2's autoescape
then protects us from user content for free: a partner called ``<b>Bouw & Co</b>`` reaches
the parser as ``&lt;b&gt;Bouw &amp; Co&lt;/b&gt;`` and can never become a tag.

The small markup:

* blocks: ``<h>heading</h>``, ``<p>paragraph</p>``, ``<ul><li>item</li>…</ul>``, ``<hr>``,
  ``<small>context line</small>``; text outside any block becomes a paragraph;
* inline, inside blocks: ``<b>``, ``<i>``, ``<code>``, ``<a href="https://…">``;
* ``<br>`` inside a block is a line break; whitespace is otherwise collapsed as in HTML.

Anything else (unknown tags, attributes, scripts) is dropped and its text kept, so a broken
template degrades to plain text instead of failing in front of a user.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from typing import Literal

from bot.core.kernel.charts import Chart

ButtonStyle = Literal["primary", "danger"]


@dataclass(frozen=True)
class Span:
    """A run of text with one set of inline styles."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False
    href: str | None = None


Inline = tuple[Span, ...]


@dataclass(frozen=True)
class Heading:
    spans: Inline


@dataclass(frozen=True)
class Paragraph:
    spans: Inline


@dataclass(frozen=True)
class BulletList:
    items: tuple[Inline, ...]


@dataclass(frozen=True)
class Divider:
    pass


@dataclass(frozen=True)
class SmallPrint:
    """Small print: who is still missing, when something was adopted."""

    spans: Inline


Block = Heading | Paragraph | BulletList | Divider | SmallPrint


@dataclass(frozen=True)
class Button:
    """A button; `action` is a compact action id (see `bot.core.actions`)."""

    label: str
    action: str
    style: ButtonStyle | None = None


@dataclass(frozen=True)
class Image:
    """A picture (a PNG chart) with the words that stand in for it where images cannot go."""

    png: bytes
    alt: str
    filename: str = "chart.png"


# What a reply may show besides text: a ready picture, or a chart the renderer draws.
Picture = Image | Chart


@dataclass(frozen=True)
class Reply:
    """What the core answers. `ephemeral` replies are meant for the asker only."""

    blocks: tuple[Block, ...]
    buttons: tuple[Button, ...] = ()
    image: Picture | None = None
    ephemeral: bool = True
    stale: bool = False  # a button that no longer works: adapters show it as a notice
    # a press refused for this person (not theirs, not their role): adapters answer them
    # privately and leave the pressed message, which others still use, as it was
    refused: bool = False

    @classmethod
    def from_markup(
        cls,
        markup: str,
        buttons: tuple[Button, ...] = (),
        image: Picture | None = None,
        ephemeral: bool = True,
    ) -> Reply:
        return cls(parse_markup(markup), buttons, image, ephemeral)

    def with_buttons(self, *buttons: Button) -> Reply:
        return replace(self, buttons=self.buttons + buttons)


def plain_text(spans: Inline) -> str:
    """The text of some spans without any styling (for alt texts, previews, limits)."""
    return "".join(span.text for span in spans)


_INLINE_TAGS = {"b", "strong", "i", "em", "code", "a"}
_BLOCK_TAGS = {"h", "p", "li", "small"}
_SPACE = re.compile(r"[ \t\r\n\f\v]+")


class _MarkupParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._spans: list[Span] = []
        self._block: str | None = None
        self._list_items: list[Inline] | None = None
        self._bold = 0
        self._italic = 0
        self._code = 0
        self._href: list[str | None] = []

    # -- structure ---------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("b", "strong"):
            self._bold += 1
        elif tag in ("i", "em"):
            self._italic += 1
        elif tag == "code":
            self._code += 1
        elif tag == "a":
            href = dict(attrs).get("href")
            self._href.append(href if href and _is_safe_link(href) else None)
        elif tag == "br":
            self._text("\n", raw=True)
        elif tag == "hr":
            self._close_block()
            self.blocks.append(Divider())
        elif tag == "ul":
            self._close_block()
            self._list_items = []
        elif tag in _BLOCK_TAGS:
            self._close_block()
            self._block = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in ("b", "strong"):
            self._bold = max(0, self._bold - 1)
        elif tag in ("i", "em"):
            self._italic = max(0, self._italic - 1)
        elif tag == "code":
            self._code = max(0, self._code - 1)
        elif tag == "a":
            if self._href:
                self._href.pop()
        elif tag == "ul":
            self._close_block()
            if self._list_items:
                self.blocks.append(BulletList(tuple(self._list_items)))
            self._list_items = None
        elif tag in _BLOCK_TAGS:
            self._close_block()

    def handle_data(self, data: str) -> None:
        self._text(data, raw=False)

    def close(self) -> None:
        super().close()
        self._close_block()
        if self._list_items:
            self.blocks.append(BulletList(tuple(self._list_items)))
            self._list_items = None

    # -- helpers -----------------------------------------------------------------------
    def _text(self, data: str, raw: bool) -> None:
        if not raw:
            data = _SPACE.sub(" ", data)
        if not data:
            return
        if self._block is None:
            if not data.strip():
                return
            self._block = "li" if self._list_items is not None else "p"
        span = Span(
            data,
            bold=self._bold > 0,
            italic=self._italic > 0,
            code=self._code > 0,
            href=self._href[-1] if self._href else None,
        )
        if self._spans and _same_style(self._spans[-1], span):
            self._spans[-1] = replace(self._spans[-1], text=self._spans[-1].text + data)
        else:
            self._spans.append(span)

    def _close_block(self) -> None:
        spans = _trim(self._spans)
        kind, self._block, self._spans = self._block, None, []
        if kind is None or not spans:
            return
        if kind == "li" and self._list_items is not None:
            self._list_items.append(spans)
        elif kind == "h":
            self.blocks.append(Heading(spans))
        elif kind == "small":
            self.blocks.append(SmallPrint(spans))
        else:
            self.blocks.append(Paragraph(spans))


def _same_style(a: Span, b: Span) -> bool:
    return (a.bold, a.italic, a.code, a.href) == (b.bold, b.italic, b.code, b.href)


def _trim(spans: list[Span]) -> Inline:
    """Strip whitespace at the edges of a block and around line breaks."""
    result = list(spans)
    while result and not result[0].text.strip():
        result.pop(0)
    while result and not result[-1].text.strip():
        result.pop()
    if not result:
        return ()
    result[0] = replace(result[0], text=result[0].text.lstrip())
    result[-1] = replace(result[-1], text=result[-1].text.rstrip())
    return tuple(replace(s, text=re.sub(r" ?\n ?", "\n", s.text)) for s in result if s.text)


def _is_safe_link(href: str) -> bool:
    return href.startswith(("https://", "http://", "mailto:"))


def parse_markup(markup: str) -> tuple[Block, ...]:
    """Turn small markup into blocks. Never raises: unknown structure degrades to text."""
    parser = _MarkupParser()
    try:
        parser.feed(markup)
        parser.close()
    except AssertionError:  # html.parser gives up on some declarations (`<![x[`)
        text = _SPACE.sub(" ", re.sub(r"<[^>]*>", " ", markup)).strip()
        return (Paragraph((Span(html.unescape(text)),)),) if text else ()
    return tuple(parser.blocks)
