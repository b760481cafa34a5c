"""Slack Block Kit messages from a neutral reply.

Block Kit rejects a whole message when one limit is exceeded, so this renderer splits rather
than trusting content to be short: section texts at 3000 characters, messages at 50 blocks,
action blocks at 25 buttons. The output is plain dicts; sending (and uploading the image,
which Block Kit can only show from a URL) is the adapter's job.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

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
    plain_text,
)
from bot.render.chart import as_image
from bot.render.limits import (
    Piece,
    pack,
    pack_pieces,
    safe_href,
    shorten,
    split_spans,
    split_text,
    utf16_len,
)
from bot.render.plain import BULLET, plain_inline

SlackBlock = dict[str, Any]

MAX_TEXT = 3000
MAX_HEADER = 150
MAX_BLOCKS = 50
MAX_ACTIONS = 25
MAX_BUTTON_TEXT = 75


@dataclass(frozen=True)
class SlackMessage:
    """One ``chat.postMessage``: `text` is the escaped notification preview, `blocks` the
    content; `image` is set on the message whose blocks mention it, for the sender to upload.
    """

    text: str
    blocks: list[SlackBlock]
    image: Image | None = None


@dataclass(frozen=True)
class _Part:
    """A rendered block plus the plain words it stands for (for the preview text)."""

    block: SlackBlock
    preview: str
    is_image: bool = False
    is_actions: bool = False


def render_slack(reply: Reply) -> list[SlackMessage]:
    """Render `reply` as one or more Slack messages; buttons always end up in the last."""
    content = [part for block in reply.blocks for part in _block_parts(block)]
    image = as_image(reply.image) if reply.image is not None else None
    if image is not None:
        content += _image_parts(image)
    groups = pack(content, MAX_BLOCKS, size=lambda _part: 1)
    actions = _action_parts(reply.buttons)
    if groups and len(groups[-1]) + len(actions) <= MAX_BLOCKS:
        groups[-1] += actions
    elif actions:
        groups += pack(actions, MAX_BLOCKS, size=lambda _part: 1)
    return [_message(group, image if any(p.is_image for p in group) else None) for group in groups]


def _message(parts: list[_Part], image: Image | None) -> SlackMessage:
    previews = [p.preview for p in parts if p.preview and not p.is_actions]
    previews = previews or [p.preview for p in parts if p.preview]
    text = escape_mrkdwn(shorten("\n".join(previews), MAX_TEXT, _escaped_len))
    return SlackMessage(text=text, blocks=[p.block for p in parts], image=image)


# -- blocks ------------------------------------------------------------------------------


def _block_parts(block: Block) -> list[_Part]:
    match block:
        case Heading(spans):
            return _heading_parts(spans)
        case Paragraph(spans):
            return [_section(piece) for piece in _split_mrkdwn(spans)]
        case BulletList(items):
            return [_section(piece) for piece in _bullet_pieces(items)]
        case SmallPrint(spans):
            return [_context(piece) for piece in _split_mrkdwn(spans)]
        case Divider():
            return [_Part({"type": "divider"}, "")]
    raise TypeError(f"unknown block {block!r}")  # pragma: no cover - exhaustive above


def _heading_parts(spans: Inline) -> list[_Part]:
    """A header block when Slack can show it; else bold sections, so nothing is cut or lost.

    Headers are plain text of at most 150 characters and cannot carry a link.
    """
    text = plain_text(spans)
    if utf16_len(text) <= MAX_HEADER and not any(safe_href(s.href) for s in spans):
        header = {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}
        return [_Part(header, text)]
    bold = tuple(replace(span, bold=True) for span in spans)
    return [_section(piece) for piece in _split_mrkdwn(bold)]


def _bullet_pieces(items: tuple[Inline, ...]) -> list[Piece]:
    """Items joined by line breaks into as few sections as fit; a long item continues."""
    pieces = [piece for item in items for piece in _split_mrkdwn(item, BULLET, sep="\n")]
    return pack_pieces(pieces, MAX_TEXT, utf16_len)


def _section(piece: Piece) -> _Part:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": piece.text.strip()}}
    return _Part(block, piece.plain.strip())


def _context(piece: Piece) -> _Part:
    block = {"type": "context", "elements": [{"type": "mrkdwn", "text": piece.text.strip()}]}
    return _Part(block, piece.plain.strip())


def _image_parts(image: Image) -> list[_Part]:
    """Block Kit images need a URL; until the sender uploads the bytes, the alt text stands in.

    There is always at least one part, because the message holding it carries the image.
    """
    words = image.alt if image.alt.strip() else image.filename or "image"
    return [
        replace(_context(Piece(escape_mrkdwn(text), plain=text)), is_image=True)
        for text in split_text(words, MAX_TEXT, _escaped_len)
        if text.strip()
    ] or [replace(_context(Piece("image", plain="image")), is_image=True)]


def _action_parts(buttons: tuple[Button, ...]) -> list[_Part]:
    elements = list(_button_elements(buttons))
    parts = []
    for start in range(0, len(elements), MAX_ACTIONS):
        chunk = buttons[start : start + MAX_ACTIONS]
        block = {"type": "actions", "elements": elements[start : start + MAX_ACTIONS]}
        parts.append(_Part(block, " · ".join(b.label for b in chunk), is_actions=True))
    return parts


def _button_elements(buttons: tuple[Button, ...]) -> Iterator[SlackBlock]:
    """Buttons whose `action_id` is unique in the reply (hence in every message of it).

    The handler reads the action from `value`; a repeated action id gets a ``#n`` suffix,
    a character action ids never contain, so it cannot collide with another button.
    """
    used: set[str] = set()
    for button in buttons:
        action_id, n = button.action, 1
        while action_id in used:
            n += 1
            action_id = f"{button.action}#{n}"
        used.add(action_id)
        element: SlackBlock = {
            "type": "button",
            "text": {"type": "plain_text", "text": _button_label(button.label), "emoji": True},
            "action_id": action_id,
            "value": button.action,
        }
        if button.style is not None:
            element["style"] = button.style
        yield element


def _button_label(label: str) -> str:
    """Slack refuses longer button texts; shorten visibly rather than fail in front of a user."""
    return shorten(label, MAX_BUTTON_TEXT, utf16_len)


# -- mrkdwn ------------------------------------------------------------------------------


def _split_mrkdwn(spans: Inline, prefix: str = "", sep: str = "") -> list[Piece]:
    """Spans as mrkdwn pieces of at most 3000 characters; `prefix` and `sep` on the first.

    Whitespace-only pieces (a split landing in a run of line breaks) are dropped: Slack
    refuses empty texts and the reader loses nothing.
    """

    def measure(run: Inline) -> int:
        return utf16_len(prefix) + utf16_len(mrkdwn_inline(run))

    runs = [run for run in split_spans(spans, MAX_TEXT, measure) if plain_text(run).strip()]
    return [
        Piece(prefix + mrkdwn_inline(run), sep, prefix + plain_inline(run))
        if index == 0
        else Piece(mrkdwn_inline(run), "", plain_inline(run))
        for index, run in enumerate(runs)
    ]


def mrkdwn_inline(spans: Inline) -> str:
    """Spans as Slack mrkdwn with every piece of user text escaped."""
    return "".join(_mrkdwn_span(span) for span in spans)


def _mrkdwn_span(span: Span) -> str:
    """Style each line separately with whitespace outside the markers.

    Slack only recognises ``*bold*`` when the markers hug the words and do not cross a line
    break; ``* bold *`` or ``*a\\nb*`` would show the asterisks.
    """
    return "\n".join(_mrkdwn_line(line, span) for line in span.text.split("\n"))


def _mrkdwn_line(line: str, span: Span) -> str:
    core = line.strip()
    if not core:
        return line
    lead, trail = line[: len(line) - len(line.lstrip())], line[len(line.rstrip()) :]
    body = escape_mrkdwn(core)
    href = safe_href(span.href)
    if span.code and href is None:
        body = f"`{body}`"
    if href is not None:
        body = f"<{_slack_url(href)}|{body}>"
    if span.italic:
        body = f"_{body}_"
    if span.bold:
        body = f"*{body}*"
    return lead + body + trail


def escape_mrkdwn(text: str) -> str:
    """Slack's three control characters; everything else is shown as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_url(url: str) -> str:
    """A URL inside ``<url|text>``: the characters that end it are percent-encoded."""
    encoded = url.replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")
    return encoded.replace(" ", "%20").replace("&", "&amp;")


def _escaped_len(text: str) -> int:
    return utf16_len(escape_mrkdwn(text))
