"""`flags` / `signalen`: what needs the advisers' attention now."""

from __future__ import annotations

from sqlmodel import select

from bot.core.context import Context
from bot.core.followup import explain, follow_up_flags
from bot.core.models import Person, Region, utcnow
from bot.core.replies import Reply
from bot.core.signals import open_signals, status_buttons


def handle_flags(context: Context) -> Reply:
    """Declining follow-up of agreements, and the open signals from the regions."""
    session = context.session
    follow_up = [
        explain(context.texts, flag)
        for flag in follow_up_flags(session, context.alliance, utcnow().date())
    ]
    signals = open_signals(session, context.alliance)
    buttons = tuple(b for s in signals for b in status_buttons(context.texts, s.id or 0))
    regions = {
        r.id: r.name
        for r in session.exec(select(Region).where(Region.alliance_id == context.alliance.id))
    }
    authors = {
        s.id: (session.get(Person, s.person_id).name if s.person_id and not s.anonymous else None)  # type: ignore[union-attr]
        for s in signals
    }
    return context.reply(
        "flags", *buttons, signals=signals, regions=regions, authors=authors, follow_up=follow_up
    )
