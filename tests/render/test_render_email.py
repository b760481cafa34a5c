"""The e-mail's two bodies: both say everything, the HTML carries its own styles and is
escaped, and nothing in it loads from elsewhere."""

from __future__ import annotations

from bot.core.kernel import Reply
from bot.core.mail import MailDraft
from bot.render.email import render_email


def _draft(markup: str) -> MailDraft:
    return MailDraft(
        subject="Alliantie: <Ready>",
        language="en",
        reply=Reply.from_markup(markup),
        actions=(("Used it", "https://a.test/mail/t1"), ("Not relevant", "https://a.test/mail/t2")),
        actions_intro="Let me know with one click:",
        footer=Reply.from_markup(
            '<small><a href="https://a.test/mail/u">No more e-mail</a></small>'
        ),
        unsubscribe_url="https://a.test/mail/u",
    )


def test_text_and_html_carry_the_message_its_links_and_the_footer() -> None:
    text, html = render_email(_draft("<h>Ready to use</h><p>Copy <b>this</b>.</p>"))
    assert "Ready to use" in text and "Copy this." in text
    assert "• Used it: https://a.test/mail/t1" in text
    assert "No more e-mail (https://a.test/mail/u)" in text
    assert '<a href="https://a.test/mail/t1" style=' in html and ">Used it</a>" in html
    assert '<html lang="en">' in html and "<strong>this</strong>" in html


def test_the_html_is_self_contained_and_escaped() -> None:
    _, html = render_email(_draft("<p>Bouw &amp; Co &lt;script&gt;alert(1)&lt;/script&gt;</p>"))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert "<title>Alliantie: &lt;Ready&gt;</title>" in html
    assert "class=" not in html and "<style" not in html  # inline styles only
    assert "<img" not in html and "src=" not in html  # nothing loads from elsewhere
