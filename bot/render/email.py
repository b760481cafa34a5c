"""An e-mail's two bodies: plain text and simple, accessible HTML.

Mail programs ignore style sheets and strip classes, so the HTML carries its few styles
inline; it loads nothing from elsewhere (no remote images, no fonts), says its language,
and its links are real links with their words, never "click here". The plain text is what
the console shows, with each link's address written out.
"""

from __future__ import annotations

from html import escape

from bot.core.kernel import Block, BulletList, Divider, Heading, Paragraph, SmallPrint
from bot.core.mail import MailDraft
from bot.render.html import html_inline
from bot.render.plain import render_plain

_TEXT = "font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1d2733"
_STYLES = {
    "h": "font-size:20px;color:#0b5d7a;margin:0 0 12px",
    "p": "margin:0 0 12px",
    "small": "margin:0 0 8px;font-size:13px;color:#5b6670",
    "ul": "margin:0 0 12px;padding-left:20px",
    "hr": "border:none;border-top:1px solid #d5dbe0;margin:20px 0",
    "button": (
        "display:inline-block;margin:0 8px 8px 0;padding:8px 14px;border-radius:4px;"
        "background:#0b5d7a;color:#ffffff;text-decoration:none;font-weight:bold"
    ),
}


def render_email(draft: MailDraft) -> tuple[str, str]:
    """(plain text, HTML document) of the e-mail."""
    return _text(draft), _html(draft)


def _text(draft: MailDraft) -> str:
    parts = [render_plain(draft.reply)]
    if draft.actions:
        lines = "\n".join(f"• {label}: {url}" for label, url in draft.actions)
        parts.append(f"{draft.actions_intro}\n{lines}")
    parts.append(render_plain(draft.footer))
    return "\n\n".join(p for p in parts if p.strip()) + "\n"


def _html(draft: MailDraft) -> str:
    body = [_block(b) for b in draft.reply.blocks]
    if draft.actions:
        body.append(f'<p style="{_STYLES["p"]}">{escape(draft.actions_intro)}</p>')
        links = "".join(
            f'<a href="{escape(url, quote=True)}" style="{_STYLES["button"]}">{escape(label)}</a>'
            for label, url in draft.actions
        )
        body.append(f'<p style="{_STYLES["p"]}">{links}</p>')
    body.extend(_block(b) for b in draft.footer.blocks)
    inner = "\n".join(body)
    return (
        f'<!doctype html>\n<html lang="{escape(draft.language, quote=True)}">\n<head>\n'
        '<meta charset="utf-8">\n<meta name="viewport" content="width=device-width">\n'
        f"<title>{escape(draft.subject)}</title>\n</head>\n"
        f'<body style="margin:0;padding:16px;{_TEXT}">\n'
        f'<div role="article" aria-label="{escape(draft.subject, quote=True)}" '
        f'style="max-width:600px;margin:0 auto">\n{inner}\n</div>\n</body>\n</html>\n'
    )


def _block(block: Block) -> str:
    match block:
        case Heading(spans):
            return f'<h2 style="{_STYLES["h"]}">{html_inline(spans)}</h2>'
        case Paragraph(spans):
            return f'<p style="{_STYLES["p"]}">{html_inline(spans)}</p>'
        case BulletList(items):
            lis = "".join(f"<li>{html_inline(item)}</li>" for item in items)
            return f'<ul style="{_STYLES["ul"]}">{lis}</ul>'
        case SmallPrint(spans):
            return f'<p style="{_STYLES["small"]}">{html_inline(spans)}</p>'
        case Divider():
            return f'<hr style="{_STYLES["hr"]}">'
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - exhaustive above
