"""`toolkit` in chat: the texts ready for a partner, each one opened by its number.

The list names every text with a number, so none is a dead end: `toolkit 3` (or
`toolkit woonkracht 3`, or the button) shows that text in full, as the partner gets it.
"""

from __future__ import annotations

from bot.core.kernel import Button, Context, Partner, Reply, Role, Verb, database_id
from bot.core.toolkit.handlers import partner_asked, partner_problem
from bot.core.toolkit.page import current_token, issue_token
from bot.core.toolkit.personalise import personalised

SHOWN_SNIPPETS = 3
OPEN_SNIPPET = Verb("tko", 2)  # partner id, number in the list
MAX_BUTTONS = 12
LINK_WORDS = frozenset({"link"})
NEW_WORDS = frozenset({"new", "nieuw"})


def handle_toolkit(context: Context) -> Reply:
    """`toolkit [partner] [number]`; `toolkit link [nieuw]` for a partner's own advisers."""
    words = context.command.args.strip().lower().split()
    if words and words[0] in LINK_WORDS:
        return _link(context, words[1:])
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
        own_adviser=_own_adviser(context, partner),
    )


def _own_adviser(context: Context, partner: Partner) -> bool:
    """Only the partner's own advisers hand out (and replace) its page link."""
    person = context.person
    return Role.ADVISER in person.role_set and person.partner_id == partner.id


def _link(context: Context, words: list[str]) -> Reply:
    """The partner's toolkit page: its current link, a first one, or with `nieuw` a
    replacement. Replacing is said out loud, because the partner may be using the old one;
    a link made without the server's key cannot be derived again and is only replaced."""
    new = any(w in NEW_WORDS for w in words)
    key = next((w for w in words if w not in NEW_WORDS), "")
    partner = partner_asked(context, key)
    if not isinstance(partner, Partner):
        return partner_problem(context, partner or "unknown", key)
    if not _own_adviser(context, partner):
        return context.reply("toolkit_link_not_yours", partner=partner)
    if not context.public_url:
        return context.reply("toolkit_link_no_address")
    if partner.toolkit_token is not None and not new:
        current = current_token(partner, context.link_key)
        if current is None:
            return context.reply("toolkit_link_exists", partner=partner)
        url = f"{context.public_url}/toolkit/{current}"
        return context.reply("toolkit_link", partner=partner, url=url, replaced=False)
    replaced = partner.toolkit_token is not None
    token = issue_token(context.session, partner, context.link_key)
    context.audit("toolkit.link", partner=partner.key, replaced=replaced)
    url = f"{context.public_url}/toolkit/{token}"
    return context.reply("toolkit_link", partner=partner, url=url, replaced=replaced)


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
