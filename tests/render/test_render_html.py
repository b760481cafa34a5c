"""HTML fragments: escaped everywhere, inert buttons, embedded image."""

from __future__ import annotations

import base64
import re

from bot.core.kernel.replies import Button, Image, Paragraph, Reply, Span
from bot.render.html import html_inline, render_html

PARTNER_MARKUP = "<p>Partner &lt;b&gt;Bouw &amp; Co&lt;/b&gt; zegt {{ 7*7 }}</p>"


def test_partner_name_is_escaped_and_literal() -> None:
    assert render_html(Reply.from_markup(PARTNER_MARKUP)) == (
        "<p>Partner &lt;b&gt;Bouw &amp; Co&lt;/b&gt; zegt {{ 7*7 }}</p>"
    )


def test_quotes_are_escaped() -> None:
    assert html_inline((Span("\"a\" 'b'"),)) == "&quot;a&quot; &#x27;b&#x27;"


def test_blocks() -> None:
    reply = Reply.from_markup(
        "<h>Kop</h><p>a<br>b</p><ul><li>een</li><li>twee</li></ul><hr><small>klein</small>"
    )
    assert render_html(reply) == (
        "<h2>Kop</h2>\n<p>a<br>\nb</p>\n<ul>\n<li>een</li>\n<li>twee</li>\n</ul>\n<hr>\n"
        '<p class="context">klein</p>'
    )


def test_inline_styles_and_links() -> None:
    spans = (
        Span("vet", bold=True),
        Span("schuin", italic=True),
        Span("code", code=True),
        Span("site", href='https://x.nl/?a=1&b="2"'),
        Span("weg", href="javascript:alert(1)"),
    )
    assert html_inline(spans) == (
        "<strong>vet</strong><em>schuin</em><code>code</code>"
        '<a href="https://x.nl/?a=1&amp;b=&quot;2&quot;" rel="noopener">site</a>weg'
    )


def test_buttons_are_inert_spans() -> None:
    reply = Reply(
        (),
        buttons=(Button("<Ja>", "vote:1:y", "primary"), Button("Nee", "vote:1:n")),
    )
    html = render_html(reply)
    assert '<span class="button" data-action="vote:1:y" data-style="primary">&lt;Ja&gt;</span>' in (
        html
    )
    assert '<span class="button" data-action="vote:1:n">Nee</span>' in html
    assert "<script" not in html and "onclick" not in html


def test_image_is_embedded_as_data_uri() -> None:
    png = b"\x89PNG\r\n\x1a\n-bytes"
    html = render_html(Reply((Paragraph((Span("x"),)),), image=Image(png, 'staaf "grafiek"')))
    match = re.search(r'<img alt="([^"]*)" src="data:image/png;base64,([^"]+)">', html)
    assert match is not None
    assert match.group(1) == "staaf &quot;grafiek&quot;"
    assert base64.b64decode(match.group(2)) == png
