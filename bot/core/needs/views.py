"""`needs`/`behoeften` and the App Home section: the shared picture; one partner's profile
for its own advisers and the coordinators (whole) or for the others (what it shared)."""

from __future__ import annotations

from bot.core.kernel import Context, Reply
from bot.core.needs.coalition import coalition_needs, matches
from bot.core.needs.handlers import may_see_all, show_profile
from bot.core.needs.intake import LABELS
from bot.core.needs.models import FIELDS
from bot.core.needs.profiles import partner_named, shared_answers

SHOWN_IN_CHAT = 30
SHOWN_AT_HOME = 8


def needs_reply(context: Context, shown: int = SHOWN_IN_CHAT) -> Reply:
    rows, silent = coalition_needs(context.session, context.alliance)
    return context.reply("needs", rows=rows, found=matches(rows), silent=silent, shown=shown)


def handle_needs(context: Context) -> Reply:
    """`behoeften`: the shared picture; `behoeften <partner>`: that partner's profile."""
    wanted = context.command.args.strip().casefold()
    if not wanted:
        return needs_reply(context)
    partner = partner_named(context.session, context.alliance, wanted)
    if partner is None:
        return context.reply("intake_error", code="unknown_partner")
    if may_see_all(context.session, context.person, partner):
        return show_profile(context, partner)
    answers = shared_answers(context.session, [partner.id or 0]).get(partner.id or 0, {})
    shown = [
        (context.texts.gettext(LABELS[name]), answers[name], True)
        for name in FIELDS
        if name in answers
    ]
    return context.reply(
        "intake_profile", partner=partner, profile=None, answers=shown, interests=[], whole=False
    )
