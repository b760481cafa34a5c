"""Telegram HTML rendering: escaping, well-formed tags, and every Telegram limit."""

from __future__ import annotations

import html
import re
from collections import Counter
from html.parser import HTMLParser
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.kernel.replies import (
    Block,
    BulletList,
    Button,
    Divider,
    Heading,
    Image,
    Paragraph,
    Reply,
    SmallPrint,
    Span,
)
from bot.render import telegram
from bot.render.limits import utf16_len
from bot.render.telegram import TelegramMessage, html_inline, render_telegram

PARTNER_MARKUP = "<p>Partner &lt;b&gt;Bouw &amp; Co&lt;/b&gt; zegt {{ 7*7 }}</p>"
ALLOWED_TAGS = {"b", "i", "code", "a"}


class TagChecker(HTMLParser):
    """Fails on unknown or unbalanced tags: Telegram refuses such a message outright."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(message: TelegramMessage) -> str:
    """The text Telegram shows, after checking the markup is well formed."""
    checker = TagChecker()
    checker.feed(message.text)
    checker.close()
    assert checker.stack == []
    return "".join(checker.text)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_user_text_is_escaped_and_literal() -> None:
    [message] = render_telegram(Reply.from_markup(PARTNER_MARKUP))
    assert message.text == "Partner &lt;b&gt;Bouw &amp; Co&lt;/b&gt; zegt {{ 7*7 }}"
    assert visible(message) == "Partner <b>Bouw & Co</b> zegt {{ 7*7 }}"
    assert message.reply_markup is None and message.photo is None


def test_inline_styles_and_links() -> None:
    spans = (
        Span("vet", bold=True),
        Span(" & "),
        Span("schuin", italic=True),
        Span(" "),
        Span("<x>", code=True),
        Span(" "),
        Span("site", href='https://x.nl/?a=1&b="2"'),
        Span(" "),
        Span("weg", href="javascript:alert(1)"),
    )
    assert html_inline(spans) == (
        "<b>vet</b> &amp; <i>schuin</i> <code>&lt;x&gt;</code> "
        '<a href="https://x.nl/?a=1&amp;b=&quot;2&quot;">site</a> weg'
    )


def test_blocks() -> None:
    reply = Reply.from_markup(
        "<h>Kop &amp; zo</h><p>Tekst<br>regel</p><ul><li>een</li><li>twee</li></ul>"
        "<hr><small>Nog niet: A</small>"
    )
    [message] = render_telegram(reply)
    assert message.text == (
        "<b>Kop &amp; zo</b>\n\nTekst\nregel\n\n• een\n• twee\n\n──────────\n\n<i>Nog niet: A</i>"
    )


def big_reply() -> Reply:
    """70 blocks, one a 10,000-character bold paragraph with characters to escape."""
    huge = " ".join(f"Bouw&Co<{n}>😀" for n in range(1000))[:10_000]
    blocks: list[Block] = [Heading((Span("Overzicht"),)), Paragraph((Span(huge, bold=True),))]
    blocks.append(Paragraph((Span("z" * 5000),)))
    for n in range(67):
        match n % 4:
            case 0:
                blocks.append(Paragraph((Span(f"alinea {n} <tekst> & meer " * 20),)))
            case 1:
                blocks.append(BulletList(((Span(f"punt {n}a"),), (Span(f"punt {n}b"),))))
            case 2:
                blocks.append(SmallPrint((Span(f"klein {n}"),)))
            case _:
                blocks.append(Divider())
    assert len(blocks) == 70 and len(huge) == 10_000
    return Reply(tuple(blocks))


def source_text(reply: Reply) -> str:
    parts: list[str] = []
    for block in reply.blocks:
        match block:
            case Heading(spans) | Paragraph(spans) | SmallPrint(spans):
                parts.append("".join(s.text for s in spans))
            case BulletList(items):
                parts += ["• " + "".join(s.text for s in item) for item in items]
            case Divider():
                parts.append(telegram.DIVIDER)
    return squash("".join(parts))


def test_big_reply_is_split_within_limits_without_losing_text() -> None:
    reply = big_reply()
    messages = render_telegram(reply)
    assert len(messages) >= 4
    for message in messages:
        assert 0 < utf16_len(message.text) <= 4096
        assert not re.search(r"&(?!amp;|lt;|gt;|quot;)", message.text)
    assert squash("".join(visible(m) for m in messages)) == source_text(reply)


@given(text=st.text(alphabet=st.sampled_from(list("ab &<>\n😀é")), max_size=400))
def test_any_text_survives_splitting_and_escaping(text: str) -> None:
    """Rendered at a tiny limit: every message fits and, with whitespace at split points
    dropped, the visible text is the original in order."""
    reply = Reply((Paragraph((Span(text, bold=True),)), Paragraph((Span(text),))))
    with mock.patch.object(telegram, "MAX_TEXT", 40):
        messages = render_telegram(reply)
    assert all(utf16_len(m.text) <= 40 for m in messages)
    assert squash("".join(visible(m) for m in messages)) == squash(text + text)


def keyboard_buttons(messages: list[TelegramMessage]) -> list[dict[str, str]]:
    return [
        button
        for m in messages
        if m.reply_markup is not None
        for row in m.reply_markup["inline_keyboard"]
        for button in row
    ]


def test_130_buttons() -> None:
    buttons = tuple(Button(f"Knop {n}", f"go:{n}") for n in range(130))
    messages = render_telegram(Reply.from_markup("<p>Kies</p>", buttons=buttons))
    assert [m.text for m in messages] == ["Kies", "…"]
    for message in messages:
        assert message.reply_markup is not None
        rows = message.reply_markup["inline_keyboard"]
        assert all(0 < len(row) <= 8 for row in rows)
        assert all(len(row) <= 3 for row in rows)
        assert sum(len(row) for row in rows) <= 100
    data = [b["callback_data"] for b in keyboard_buttons(messages)]
    assert Counter(data) == Counter(f"go:{n}" for n in range(130))
    assert len(data) == 130


def test_long_labels_go_two_to_a_row() -> None:
    buttons = (
        Button("Kort", "a:1"),
        Button("Kort", "a:2"),
        Button("Een veel langer label dan twintig", "a:3"),
        Button("Kort", "a:4"),
        Button("Kort", "a:5"),
        Button("Kort", "a:6"),
    )
    [message] = render_telegram(Reply((), buttons=buttons))
    assert message.reply_markup is not None
    rows = message.reply_markup["inline_keyboard"]
    assert [[b["callback_data"] for b in row] for row in rows] == [
        ["a:1", "a:2"],
        ["a:3", "a:4"],
        ["a:5", "a:6"],
    ]


def test_keyboard_goes_on_the_last_text_message() -> None:
    reply = big_reply().with_buttons(Button("OK", "ok"))
    messages = render_telegram(reply)
    assert [m.reply_markup is not None for m in messages] == [False] * (len(messages) - 1) + [True]


def test_callback_data_over_64_bytes_is_an_error() -> None:
    with pytest.raises(ValueError):
        render_telegram(Reply((), buttons=(Button("x", "é" * 33),)))
    render_telegram(Reply((), buttons=(Button("x", "a" * 64),)))


def test_photo_on_the_first_message_only() -> None:
    image = Image(b"\x89PNG", "grafiek")
    messages = render_telegram(Reply(big_reply().blocks, image=image))
    assert messages[0].photo is image
    assert all(m.photo is None for m in messages[1:])


def test_image_only_and_buttons_only() -> None:
    image = Image(b"\x89PNG", "grafiek")
    assert render_telegram(Reply((), image=image)) == [TelegramMessage("", None, image)]
    [message] = render_telegram(Reply((), buttons=(Button("OK", "ok"),)))
    assert message.text == "…"
    assert render_telegram(Reply(())) == []


def test_unescape_roundtrip_of_partner_name() -> None:
    [message] = render_telegram(Reply((Heading((Span("<b>Bouw & Co</b>"),)),)))
    assert message.text == "<b>&lt;b&gt;Bouw &amp; Co&lt;/b&gt;</b>"
    assert html.unescape(message.text[3:-4]) == "<b>Bouw & Co</b>"
