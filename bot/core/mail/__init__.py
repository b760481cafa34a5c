"""mail: e-mail for the people who are on neither Slack nor Telegram.

E-mail is a channel of the same outbox (planning, mute, quiet hours, weekly cap apply as to
chat); this package holds what only e-mail needs: a delivery drafted as an e-mail (its
buttons as signed, expiring links, its footer, a moment's `.ics`), and what those links do
when their confirmation page is posted (a button press once, an unsubscribe, a channel).
"""

from __future__ import annotations

from bot.core.mail.draft import MailDraft, MailLinks, draft_mail, moment_calendar
from bot.core.mail.links import (
    LinkPage,
    LinkSpec,
    LinkState,
    Press,
    link_token,
    link_tokens,
    open_link,
    post_link,
)
from bot.core.mail.models import ActionLink, LinkKind

__all__ = [
    "ActionLink",
    "LinkKind",
    "LinkPage",
    "LinkSpec",
    "LinkState",
    "MailDraft",
    "MailLinks",
    "Press",
    "draft_mail",
    "link_token",
    "link_tokens",
    "moment_calendar",
    "open_link",
    "post_link",
]
