"""Plain text for the console, and the plain previews other renderers need.

A terminal shows no styling, so emphasis simply disappears (no stray asterisks) while
everything a reader needs stays: link targets are written out, buttons are numbered so the
console can ask for a number.
"""

from __future__ import annotations

from bot.core.kernel import (
    Block,
    BulletList,
    Divider,
    Heading,
    Inline,
    Paragraph,
    Reply,
    SmallPrint,
    Span,
)
from bot.render.limits import safe_href

BULLET = "• "
DIVIDER = "─" * 40
CONTEXT_PREFIX = "› "


def render_plain(reply: Reply) -> str:
    """The whole reply as console text: blocks, then the image stand-in, then buttons."""
    parts = [plain_block(block) for block in reply.blocks]
    if reply.image is not None:
        parts.append(f"[image: {reply.image.alt}]")
    if reply.buttons:
        parts.append(
            "\n".join(f"[{n}] {button.label}" for n, button in enumerate(reply.buttons, 1))
        )
    return "\n\n".join(parts)


def plain_block(block: Block) -> str:
    """One block as plain text; also the notification preview for chat platforms."""
    match block:
        case Heading(spans):
            return _underline(plain_inline(spans))
        case Paragraph(spans):
            return plain_inline(spans)
        case BulletList(items):
            return "\n".join(_indent(plain_inline(item), BULLET) for item in items)
        case SmallPrint(spans):
            return _indent(plain_inline(spans), CONTEXT_PREFIX, CONTEXT_PREFIX)
        case Divider():
            return DIVIDER
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - exhaustive above


def plain_inline(spans: Inline) -> str:
    """Spans as text; a link keeps its target in brackets so it survives copy and paste."""
    return "".join(_plain_span(span) for span in spans)


def _plain_span(span: Span) -> str:
    href = safe_href(span.href)
    if href is None or span.text.strip() in (href, href.removeprefix("mailto:")):
        return span.text
    return f"{span.text} ({href})"


def _underline(text: str) -> str:
    """Underline rather than upper-case, so names keep their spelling."""
    width = max(3, *(len(line) for line in text.split("\n")))
    return f"{text}\n{'=' * width}"


def _indent(text: str, first: str, rest: str | None = None) -> str:
    """Prefix the first line with `first` and align (or prefix) continuation lines."""
    follow = " " * len(first) if rest is None else rest
    head, *tail = text.split("\n")
    return "\n".join([first + head, *(follow + line for line in tail)])
