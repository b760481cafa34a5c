"""Console text: nothing styled, nothing lost."""

from __future__ import annotations

from bot.core.kernel.replies import Button, Image, Paragraph, Reply, Span
from bot.render.plain import plain_inline, render_plain

PARTNER_MARKUP = "<p>Partner &lt;b&gt;Bouw &amp; Co&lt;/b&gt; zegt {{ 7*7 }}</p>"


def test_partner_name_is_literal() -> None:
    assert render_plain(Reply.from_markup(PARTNER_MARKUP)) == (
        "Partner <b>Bouw & Co</b> zegt {{ 7*7 }}"
    )


def test_blocks() -> None:
    reply = Reply.from_markup(
        "<h>Agenda</h><p>Eerste<br>tweede</p><ul><li>een</li><li>twee<br>verder</li></ul>"
        "<hr><small>Nog niet: A<br>en B</small>"
    )
    assert render_plain(reply) == (
        "Agenda\n======\n\n"
        "Eerste\ntweede\n\n"
        "• een\n• twee\n  verder\n\n" + "─" * 40 + "\n\n"
        "› Nog niet: A\n› en B"
    )


def test_styles_disappear_without_asterisks() -> None:
    spans = (Span("vet", bold=True), Span(" "), Span("schuin", italic=True), Span(" x", code=True))
    assert plain_inline(spans) == "vet schuin x"


def test_links_keep_their_target() -> None:
    reply = Reply.from_markup(
        '<p><a href="https://x.nl">de site</a>, <a href="https://y.nl">https://y.nl</a>, '
        '<a href="mailto:a@b.nl">a@b.nl</a>, <a href="javascript:x">weg</a></p>'
    )
    assert render_plain(reply) == "de site (https://x.nl), https://y.nl, a@b.nl, weg"


def test_image_and_numbered_buttons_come_last() -> None:
    reply = Reply(
        (Paragraph((Span("Uitslag"),)),),
        buttons=(Button("Ja", "vote:1:y", "primary"), Button("Nee", "vote:1:n")),
        image=Image(b"", "staafdiagram"),
    )
    assert render_plain(reply) == "Uitslag\n\n[image: staafdiagram]\n\n[1] Ja\n[2] Nee"


def test_no_length_limit() -> None:
    text = "woord " * 5000
    assert render_plain(Reply((Paragraph((Span(text),)),))) == text
