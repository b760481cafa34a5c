"""Telegram messages (HTML parse mode) from a neutral reply.

Telegram refuses a message over 4096 characters, a keyboard over 100 buttons and callback
data over 64 bytes, so the renderer splits text between blocks (or inside a very long one)
and spreads buttons over rows and, if need be, extra messages. Only ``<b> <i> <code>
<a href>`` are emitted, the tags Telegram's HTML mode is sure to accept.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import Any

from bot.core.kernel import (
    MAX_ACTION_BYTES,
    Block,
    BulletList,
    Button,
    Divider,
    Heading,
    Image,
    Inline,
    Paragraph,
    Reply,
    SmallPrint,
    Span,
    plain_text,
)
from bot.render.chart import as_image
from bot.render.limits import Piece, pack_pieces, safe_href, split_spans, utf16_len
from bot.render.plain import BULLET

MAX_TEXT = 4096
MAX_BUTTONS = 100
MAX_ROW = 8
ROW_SHORT = 3  # buttons per row while every label is short
ROW_LONG = 2  # buttons per row once a label is long
LONG_LABEL = 20
DIVIDER = "─" * 10
BLOCK_SEP = "\n\n"
MORE_BUTTONS_TEXT = "…"

Keyboard = dict[str, Any]


@dataclass(frozen=True)
class TelegramMessage:
    """One ``sendMessage`` with ``parse_mode="HTML"``.

    `photo` is set on the first message only; the sender may send it with ``sendPhoto`` and
    use the text as caption if it fits, or send it separately.
    """

    text: str
    reply_markup: Keyboard | None = None
    photo: Image | None = None


def render_telegram(reply: Reply) -> list[TelegramMessage]:
    """Render `reply` as Telegram messages; the keyboard goes on the last one with text."""
    texts = [p.text.strip() for p in pack_pieces(_pieces(reply.blocks), MAX_TEXT, utf16_len)]
    keyboards = [_keyboard(chunk) for chunk in _button_chunks(reply.buttons)]
    if not texts and (keyboards or reply.image is not None):
        texts = ["" if reply.image is not None and not keyboards else MORE_BUTTONS_TEXT]
    if not texts:
        return []
    messages = [TelegramMessage(text) for text in texts]
    if keyboards:
        messages[-1] = replace(messages[-1], reply_markup=keyboards[0])
        messages += [TelegramMessage(MORE_BUTTONS_TEXT, keyboard) for keyboard in keyboards[1:]]
    photo = as_image(reply.image) if reply.image is not None else None
    messages[0] = replace(messages[0], photo=photo)
    return messages


# -- text --------------------------------------------------------------------------------


def _pieces(blocks: tuple[Block, ...]) -> list[Piece]:
    return [piece for block in blocks for piece in _block_pieces(block)]


def _block_pieces(block: Block) -> list[Piece]:
    match block:
        case Heading(spans):
            return _split_html(_restyle(spans, bold=True))
        case Paragraph(spans):
            return _split_html(spans)
        case BulletList(items):
            sep = BLOCK_SEP
            pieces: list[Piece] = []
            for item in items:
                pieces += _split_html(item, prefix=BULLET, sep=sep)
                sep = "\n"
            return pieces
        case SmallPrint(spans):
            return _split_html(_restyle(spans, italic=True))
        case Divider():
            return [Piece(DIVIDER, BLOCK_SEP)]
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - exhaustive above


def _restyle(spans: Inline, bold: bool = False, italic: bool = False) -> Inline:
    """Style a whole block per span, so every split piece closes its own tags."""
    return tuple(
        replace(span, bold=span.bold or bold, italic=span.italic or italic) for span in spans
    )


def _split_html(spans: Inline, prefix: str = "", sep: str = BLOCK_SEP) -> list[Piece]:
    """Spans as HTML pieces within the message limit; continuations rejoin seamlessly."""

    def measure(run: Inline) -> int:
        return utf16_len(prefix) + utf16_len(html_inline(run))

    runs = [run for run in split_spans(spans, MAX_TEXT, measure) if plain_text(run).strip()]
    return [
        Piece(prefix + html_inline(run), sep) if index == 0 else Piece(html_inline(run))
        for index, run in enumerate(runs)
    ]


def html_inline(spans: Inline) -> str:
    """Spans in Telegram HTML; text escaped for ``& < >``, link targets also for quotes."""
    return "".join(_html_span(span) for span in spans)


def _html_span(span: Span) -> str:
    body = html.escape(span.text, quote=False)
    href = safe_href(span.href)
    if span.code and href is None:
        body = f"<code>{body}</code>"
    if href is not None:
        body = f'<a href="{html.escape(href, quote=True)}">{body}</a>'
    if span.italic:
        body = f"<i>{body}</i>"
    if span.bold:
        body = f"<b>{body}</b>"
    return body


# -- buttons -----------------------------------------------------------------------------


def _button_chunks(buttons: tuple[Button, ...]) -> list[tuple[Button, ...]]:
    return [buttons[i : i + MAX_BUTTONS] for i in range(0, len(buttons), MAX_BUTTONS)]


def _keyboard(buttons: tuple[Button, ...]) -> Keyboard:
    rows = [[_button(button) for button in row] for row in _rows(buttons)]
    return {"inline_keyboard": rows}


def _rows(buttons: tuple[Button, ...]) -> list[list[Button]]:
    """Three short buttons to a row, two when a label is long, so labels stay readable."""

    def width(row: list[Button]) -> int:
        longest = max(len(button.label) for button in row)
        return min(MAX_ROW, ROW_LONG if longest > LONG_LABEL else ROW_SHORT)

    rows: list[list[Button]] = []
    for button in buttons:
        if rows and len(rows[-1]) < width([*rows[-1], button]):
            rows[-1].append(button)
        else:
            rows.append([button])
    return rows


def _button(button: Button) -> dict[str, str]:
    """A callback button; over-long callback data is a bug in whoever built the action id."""
    data = button.action.encode()
    if not data or len(data) > MAX_ACTION_BYTES:
        raise ValueError(f"callback data must be 1-{MAX_ACTION_BYTES} bytes: {button.action!r}")
    return {"text": button.label, "callback_data": button.action}
