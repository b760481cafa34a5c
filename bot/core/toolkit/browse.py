"""`toolkit` in chat: the texts ready for a partner, each one opened by its number.

The list names every text with a number, so none is a dead end: `toolkit 3` (or
`toolkit woonkracht 3`, or the button) shows that text in full, as the partner gets it.
"""

from __future__ import annotations

from sqlmodel import col, select

from bot.core.kernel import Button, Context, Partner, Reply, Verb, database_id
from bot.core.toolkit.handlers import partner_asked, partner_problem
from bot.core.toolkit.personalise import personalised

SHOWN_SNIPPETS = 3
OPEN_SNIPPET = Verb("tko", 2)  # partner id, number in the list
MAX_BUTTONS = 12


def handle_toolkit(context: Context) -> Reply:
    """`toolkit [partner] [number]`."""
    words = context.command.args.strip().lower().split()
    number = next((w for w in words if w.isdigit()), None)
    key = next((w for w in words if not w.isdigit()), "")
    partner = partner_asked(context, key)
    if not isinstance(partner, Partner):
        return partner_problem(context, partner or "unknown", key)
    if number is not None:
        return _one(context, partner, int(number[:6]))
    language = context.texts.language
    shown = personalised(context.session, context.alliance, partner, language)
    buttons = [
        Button(f"{n}. {s.title(language)}"[:60], OPEN_SNIPPET.action(partner.id or 0, n))
        for n, (s, _text) in enumerate(shown, start=1)
        if n > SHOWN_SNIPPETS
    ][:MAX_BUTTONS]
    return context.reply(
        "toolkit",
        *buttons,
        partner=partner,
        texts_shown=shown[:SHOWN_SNIPPETS],
        others=[(n, s.title(language)) for n, (s, _t) in enumerate(shown, start=1)][
            SHOWN_SNIPPETS:
        ],
        example=_example(context, partner, min(len(shown), SHOWN_SNIPPETS + 1)),
    )


def _example(context: Context, partner: Partner, number: int) -> str:
    own = context.person.partner_id == partner.id
    return f"{context.cmd('toolkit')}{'' if own else ' ' + partner.key} {number}"


def _one(context: Context, partner: Partner, number: int) -> Reply:
    language = context.texts.language
    shown = personalised(context.session, context.alliance, partner, language)
    if not 1 <= number <= len(shown):
        return context.reply(
            "toolkit_no_number",
            number=number,
            count=len(shown),
            example=_example(context, partner, 1),
        )
    snippet, text = shown[number - 1]
    return context.reply(
        "toolkit_one",
        partner=partner,
        number=number,
        count=len(shown),
        title=snippet.title(language),
        text=text,
        back=_example(context, partner, 0).rsplit(" ", 1)[0],
    )


def press_open_snippet(context: Context, partner_id: str, number: str) -> Reply:
    row_id = database_id(partner_id)
    partner = context.session.get(Partner, row_id) if row_id else None
    if partner is None or partner.alliance_id != context.alliance.id or not number.isdigit():
        return context.stale()
    allowed = partner_asked(context, partner.key)
    if not isinstance(allowed, Partner):
        return partner_problem(context, allowed or "unknown", partner.key)
    return _one(context, partner, int(number[:6]))


def active_partner_keys(context: Context) -> list[str]:
    return [
        p.key
        for p in context.session.exec(
            select(Partner)
            .where(Partner.alliance_id == context.alliance.id, col(Partner.active))
            .order_by(col(Partner.key))
        )
    ]
