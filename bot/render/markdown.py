"""Markdown, for exporting the message house into documents, wikis and e-mails.

Every character Markdown could read as markup is escaped with a backslash, so that a
proof point like `*nieuw* 2_000 [concept]` comes out as written.
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

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~&=])")


def escape_markdown(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", text)


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
