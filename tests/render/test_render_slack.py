"""Slack Block Kit rendering: escaping, styling rules, and staying inside every limit."""

from __future__ import annotations

import html
import re
from collections import Counter
from typing import Any

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
from bot.render.limits import utf16_len
from bot.render.slack import SlackMessage, mrkdwn_inline, render_slack

PARTNER_MARKUP = "<p>Partner &lt;b&gt;Bouw &amp; Co&lt;/b&gt; zegt {{ 7*7 }}</p>"


def texts(message: SlackMessage) -> list[str]:
    """Every text a reader sees in a message, in order."""
    found: list[str] = []
    for block in message.blocks:
        if block["type"] in ("section", "header"):
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found += [element["text"] for element in block["elements"]]
    return found


def all_buttons(messages: list[SlackMessage]) -> list[dict[str, Any]]:
    return [
        element
        for message in messages
        for block in message.blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_user_text_is_escaped_and_literal() -> None:
    [message] = render_slack(Reply.from_markup(PARTNER_MARKUP))
    [section] = texts(message)
    assert section == "Partner &lt;b&gt;Bouw &amp; Co&lt;/b&gt; zegt {{ 7*7 }}"
    assert "<b>" not in message.text and "49" not in message.text
    assert message.text == section


def test_hand_built_span_is_escaped_too() -> None:
    reply = Reply((Paragraph((Span("<b>Bouw & Co</b>", bold=True),)),))
    assert texts(render_slack(reply)[0]) == ["*&lt;b&gt;Bouw &amp; Co&lt;/b&gt;*"]


def test_styles() -> None:
    spans = (
        Span("vet", bold=True),
        Span(" "),
        Span("schuin", italic=True),
        Span(" "),
        Span("x=1", code=True),
        Span(" "),
        Span("beide", bold=True, italic=True),
    )
    assert mrkdwn_inline(spans) == "*vet* _schuin_ `x=1` *_beide_*"


def test_whitespace_moves_outside_markers_and_lines_are_styled_separately() -> None:
    assert mrkdwn_inline(
        (
            Span(
                "een",
            ),
            Span(" vet ", bold=True),
            Span("woord"),
        )
    ) == ("een *vet* woord")
    assert mrkdwn_inline((Span("regel 1 \nregel 2", bold=True),)) == "*regel 1* \n*regel 2*"
    assert mrkdwn_inline((Span("  ", bold=True),)) == "  "


def test_links_escape_text_and_url() -> None:
    span = Span("Bouw & Co > rest", href="https://x.nl/?a=1&b=2|3")
    assert mrkdwn_inline((span,)) == "<https://x.nl/?a=1&amp;b=2%7C3|Bouw &amp; Co &gt; rest>"


def test_bold_link() -> None:
    span = Span("site", bold=True, href="https://x.nl")
    assert mrkdwn_inline((span,)) == "*<https://x.nl|site>*"


def test_unsafe_link_becomes_text() -> None:
    assert mrkdwn_inline((Span("klik", href="javascript:alert(1)"),)) == "klik"


def test_block_types() -> None:
    reply = Reply.from_markup(
        "<h>Kop</h><p>Tekst</p><ul><li>een</li><li>twee</li></ul><hr><small>Klein</small>"
    )
    [message] = render_slack(reply)
    assert [b["type"] for b in message.blocks] == [
        "header",
        "section",
        "section",
        "divider",
        "context",
    ]
    assert message.blocks[0]["text"] == {"type": "plain_text", "text": "Kop", "emoji": True}
    assert message.blocks[2]["text"]["text"] == "• een\n• twee"
    assert message.image is None


def test_header_text_is_plain_and_literal() -> None:
    [message] = render_slack(Reply((Heading((Span("<b>Bouw & Co</b>"),)),)))
    assert message.blocks[0]["text"]["text"] == "<b>Bouw & Co</b>"
    assert message.text == "&lt;b&gt;Bouw &amp; Co&lt;/b&gt;"


def test_long_heading_becomes_bold_section_not_truncated() -> None:
    title = "woord " * 40
    [message] = render_slack(Reply((Heading((Span(title.strip()),)),)))
    [block] = message.blocks
    assert block["type"] == "section"
    assert block["text"]["text"] == f"*{title.strip()}*"


def test_heading_with_link_keeps_the_link() -> None:
    reply = Reply((Heading((Span("Zie site", href="https://x.nl"),)),))
    [block] = render_slack(reply)[0].blocks
    assert block["type"] == "section"
    assert "<https://x.nl|Zie site>" in block["text"]["text"]


def test_buttons_value_style_and_unique_action_ids() -> None:
    buttons = (
        Button("Ja", "vote:1:yes", "primary"),
        Button("Nee", "vote:1:no", "danger"),
        Button("Ja ook", "vote:1:yes"),
        Button("Nog eens", "vote:1:yes"),
    )
    [message] = render_slack(Reply(blocks=(), buttons=buttons))
    elements = all_buttons([message])
    assert [e["value"] for e in elements] == [b.action for b in buttons]
    assert len({e["action_id"] for e in elements}) == 4
    assert elements[0]["action_id"] == "vote:1:yes"
    assert elements[0]["style"] == "primary"
    assert elements[1]["style"] == "danger"
    assert "style" not in elements[2]
    assert [e["text"]["text"] for e in elements] == [b.label for b in buttons]
    assert message.text == "Ja · Nee · Ja ook · Nog eens"


def test_long_button_label_is_visibly_shortened() -> None:
    [message] = render_slack(Reply((), buttons=(Button("lang " * 30, "go:x"),)))
    [element] = all_buttons([message])
    assert len(element["text"]["text"]) <= 75
    assert element["text"]["text"].endswith("…")


def test_image_is_announced_by_alt_text_and_handed_to_the_sender() -> None:
    image = Image(b"\x89PNG", "Grafiek <stemmen> & meer")
    reply = Reply.from_markup("<p>Uitslag</p>", image=image)
    [message] = render_slack(reply)
    assert message.image is image
    assert message.blocks[-1]["type"] == "context"
    assert texts(message)[-1] == "Grafiek &lt;stemmen&gt; &amp; meer"


def test_image_without_alt_text_is_still_handed_over() -> None:
    image = Image(b"\x89PNG", " ", "uitslag.png")
    [message] = render_slack(Reply((), image=image))
    assert message.image is image
    assert texts(message) == ["uitslag.png"]


def big_reply(buttons: int = 0) -> Reply:
    """70 blocks, one of them a 10,000-character paragraph full of characters to escape."""
    words = [f"Bouw&Co<{n}>" for n in range(1200)]
    huge = " ".join(words)[:10_000]
    blocks: list[Block] = [Heading((Span("Overzicht"),)), Paragraph((Span(huge),))]
    blocks.append(Paragraph((Span("z" * 4000),)))  # a word longer than a section
    for n in range(67):
        match n % 4:
            case 0:
                blocks.append(Paragraph((Span(f"alinea {n} met <tekst> & meer", bold=n % 8 == 0),)))
            case 1:
                blocks.append(BulletList(((Span(f"punt {n}a"),), (Span(f"punt {n}b"),))))
            case 2:
                blocks.append(SmallPrint((Span(f"klein {n}"),)))
            case _:
                blocks.append(Divider())
    assert len(blocks) == 70 and len(huge) == 10_000
    return Reply(
        tuple(blocks), buttons=tuple(Button(f"Knop {n}", f"go:{n}") for n in range(buttons))
    )


def visible_source(reply: Reply) -> str:
    parts: list[str] = []
    for block in reply.blocks:
        match block:
            case Heading(spans) | Paragraph(spans) | SmallPrint(spans):
                parts.append("".join(s.text for s in spans))
            case BulletList(items):
                parts += ["".join(s.text for s in item) for item in items]
    return squash("".join(parts))


def visible_slack(messages: list[SlackMessage]) -> str:
    raw = "".join(text for message in messages for text in texts(message))
    return squash(html.unescape(raw.replace("*", "").replace("•", "")))


def test_big_reply_is_split_within_limits_without_losing_text() -> None:
    reply = big_reply(buttons=3)
    messages = render_slack(reply)
    assert len(messages) >= 2
    for message in messages:
        assert len(message.blocks) <= 50
        assert utf16_len(message.text) <= 3000
        for text in texts(message):
            assert 0 < utf16_len(text) <= 3000
            assert not re.search(r"&(?!amp;|lt;|gt;)", text)  # no entity cut in half
    assert visible_slack(messages) == visible_source(reply)
    assert [b["value"] for b in all_buttons(messages)] == ["go:0", "go:1", "go:2"]
    assert all(b["type"] != "actions" for m in messages[:-1] for b in m.blocks)


def test_130_buttons_stay_together_in_blocks_of_25() -> None:
    reply = Reply.from_markup(
        "<p>Kies</p>", buttons=tuple(Button(f"K{n}", f"go:{n}") for n in range(130))
    )
    messages = render_slack(reply)
    [message] = messages
    actions = [b for b in message.blocks if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 25, 25, 25, 25, 5]
    values = [b["value"] for b in all_buttons(messages)]
    assert Counter(values) == Counter(f"go:{n}" for n in range(130))


def test_action_ids_unique_in_every_message() -> None:
    buttons = tuple(Button(f"K{n}", f"go:{n % 7}") for n in range(60))
    for message in render_slack(big_reply().with_buttons(*buttons)):
        ids = [
            e["action_id"] for b in message.blocks if b["type"] == "actions" for e in b["elements"]
        ]
        assert len(ids) == len(set(ids))


def test_buttons_that_do_not_fit_move_to_their_own_message() -> None:
    blocks = tuple(Paragraph((Span(f"p{n}"),)) for n in range(49))
    reply = Reply(blocks, buttons=tuple(Button(f"K{n}", f"go:{n}") for n in range(30)))
    first, second = render_slack(reply)
    assert len(first.blocks) == 49
    assert [b["type"] for b in second.blocks] == ["actions", "actions"]
    assert second.text.startswith("K0 · K1")


def test_empty_reply_renders_nothing() -> None:
    assert render_slack(Reply(())) == []
