"""Markdown, for exporting the message house into documents, wikis and e-mails.

What Markdown would read as markup is escaped with a backslash, so that a proof point like
`*nieuw* 2_000 [concept]` comes out as written; nothing else is, so that the exported text
stays readable as plain text too ("1.200 woningen." keeps its periods). Emphasis, code,
links and HTML characters are escaped wherever they stand; the characters that only start
a block (a heading's `#`, a quote's `>`, a list's `-` `+` or `1.`, a setext line of `=`)
only at the start of a line; `&` only where it would start an entity.
"""

from __future__ import annotations

import re

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

_INLINE = re.compile(r"([\\`*_\[\]<|~])")  # special wherever they stand (| and ~ in GFM)
_ENTITY = re.compile(r"&(?=#?\w+;)")  # `&amp;` would be read as `&`
_LINE_START = re.compile(r"^(\s{0,3})([#>+=-])")  # heading, quote, list, setext underline
_ORDERED = re.compile(r"^(\s{0,3}\d{1,9})([.)])(?=\s|$)")  # `1. ` or `2) ` starts a list


def escape_markdown(text: str) -> str:
    """`text`, one line of it, to be read literally by a Markdown (CommonMark, GFM) reader."""
    text = _ENTITY.sub(r"\\&", _INLINE.sub(r"\\\1", text))
    text = _LINE_START.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\\2", text)


def render_markdown(reply: Reply) -> str:
    return "\n\n".join(markdown_block(block) for block in reply.blocks) + "\n"


def markdown_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"## {markdown_inline(block.spans)}"
    if isinstance(block, BulletList):
        return "\n".join(f"- {markdown_inline(item)}" for item in block.items)
    if isinstance(block, Divider):
        return "---"
    if isinstance(block, SmallPrint):
        return f"_{markdown_inline(block.spans)}_"
    assert isinstance(block, Paragraph)
    return markdown_inline(block.spans)


def markdown_inline(spans: Inline) -> str:
    return "".join(_span(span) for span in spans)


def _span(span: Span) -> str:
    if span.code:
        return "`" + span.text.replace("`", "'") + "`"
    lines = [escape_markdown(line) for line in span.text.split("\n")]
    text = "  \n".join(lines)
    stripped = text.strip()
    if stripped and span.bold:
        text = text.replace(stripped, f"**{stripped}**", 1)
    if stripped and span.italic:
        text = text.replace(stripped, f"*{stripped}*", 1)
    href = safe_href(span.href)
    if href:
        return f"[{text}](<{href.replace('>', '%3E')}>)"
    return text
