"""The toolkit in the conversation: snippets, the agenda they are timed to, and feedback."""

from __future__ import annotations

from bot.core.kernel import (
    ADVISER,
    PARTNER,
    ButtonVerb,
    ChatCommand,
    CommandSpec,
    Feature,
    SubCommand,
    _,
)
from bot.core.toolkit.browse import OPEN_SNIPPET, handle_toolkit, press_open_snippet
from bot.core.toolkit.feedback import FEEDBACK
from bot.core.toolkit.forms import SNIPPET
from bot.core.toolkit.handlers import handle_agenda, press_feedback

FEATURE = Feature(
    "toolkit",
    commands=(
        ChatCommand(
            CommandSpec(
                "toolkit",
                "toolkit",
                "toolkit",
                frozenset({ADVISER, PARTNER}),
                _("toolkit snippets for a partner, personalised"),
                usage=_("[partner] [number]"),
                subcommands=(
                    SubCommand("", "", _("one text in full, by its number in the list"), "4"),
                    SubCommand(
                        "",
                        "",
                        _("the texts as another partner gets them"),
                        "%(other)s",
                        roles=frozenset({ADVISER}),
                    ),
                    SubCommand(
                        "link",
                        "link",
                        _("your organisation's toolkit page link, to share (its advisers)"),
                        roles=frozenset({ADVISER}),
                    ),
                    SubCommand(
                        "link",
                        "link",
                        _("a new link for that page; the old one stops working"),
                        _("new"),
                        roles=frozenset({ADVISER}),
                    ),
                ),
            ),
            handle_toolkit,
        ),
        ChatCommand(
            CommandSpec(
                "agenda",
                "agenda",
                "agenda",
                frozenset({ADVISER, PARTNER}),
                _("upcoming agenda moments and planned snippets"),
                subcommands=(
                    SubCommand(
                        "",
                        "",
                        _("another partner's agenda"),
                        "%(other)s",
                        roles=frozenset({ADVISER}),
                    ),
                    SubCommand(
                        "add",
                        "nieuw",
                        _("add a moment by hand: partner, date, type, title"),
                        _("%(partner)s %(date)s board Board meeting on the alliance"),
                        roles=frozenset({ADVISER}),
                    ),
                ),
            ),
            handle_agenda,
        ),
    ),
    buttons=(
        ButtonVerb(FEEDBACK, lambda context, action: press_feedback(context, *action.args)),
        ButtonVerb(OPEN_SNIPPET, lambda context, action: press_open_snippet(context, *action.args)),
    ),
    forms=(SNIPPET,),
)
