"""An HTML fragment for the web pages.

Everything that came from a user or a template is escaped with ``quote=True`` on the way
out, even though the markup parser already escaped it once on the way in: a `Reply` can be
built by hand, and a web page is where a forgotten escape turns into script injection.
Buttons become inert ``<span>``s carrying their action, for the page to wire up if it wants.
"""

from __future__ import annotations

import base64
from html import escape

from bot.core.kernel import (
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
)
from bot.render.chart import as_image
from bot.render.limits import safe_href


def render_html(reply: Reply) -> str:
    """The reply as an HTML fragment: blocks, then the image, then the buttons."""
    parts = [html_block(block) for block in reply.blocks]
    if reply.image is not None:
        parts.append(_image(as_image(reply.image)))
    if reply.buttons:
        parts.append(_buttons(reply.buttons))
    return "\n".join(parts)


def html_block(block: Block) -> str:
    match block:
        case Heading(spans):
            return f"<h2>{html_inline(spans)}</h2>"
        case Paragraph(spans):
            return f"<p>{html_inline(spans)}</p>"
        case BulletList(items):
            lis = "".join(f"<li>{html_inline(item)}</li>\n" for item in items)
            return f"<ul>\n{lis}</ul>"
        case SmallPrint(spans):
            return f'<p class="context">{html_inline(spans)}</p>'
        case Divider():
            return "<hr>"
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - exhaustive above


def html_inline(spans: Inline) -> str:
    return "".join(_span(span) for span in spans)


def _span(span: Span) -> str:
    body = escape(span.text, quote=True).replace("\n", "<br>\n")
    if span.code:
        body = f"<code>{body}</code>"
    if span.italic:
        body = f"<em>{body}</em>"
    if span.bold:
        body = f"<strong>{body}</strong>"
    href = safe_href(span.href)
    if href is not None:
        body = f'<a href="{escape(href, quote=True)}" rel="noopener">{body}</a>'
    return body


def _image(image: Image) -> str:
    data = base64.b64encode(image.png).decode("ascii")
    return f'<img alt="{escape(image.alt, quote=True)}" src="data:image/png;base64,{data}">'


def _buttons(buttons: tuple[Button, ...]) -> str:
    return '<p class="buttons">' + " ".join(_button(b) for b in buttons) + "</p>"


def _button(button: Button) -> str:
    style = f' data-style="{button.style}"' if button.style else ""
    return (
        f'<span class="button" data-action="{escape(button.action, quote=True)}"{style}>'
        f"{escape(button.label, quote=True)}</span>"
    )
