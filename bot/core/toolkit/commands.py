"""The toolkit in the conversation: snippets, the agenda they are timed to, and feedback."""

from __future__ import annotations

from bot.core.kernel import ADVISER, PARTNER, ButtonVerb, ChatCommand, CommandSpec, Feature, _
from bot.core.toolkit.feedback import FEEDBACK
from bot.core.toolkit.forms import SNIPPET
from bot.core.toolkit.handlers import handle_agenda, handle_toolkit, press_feedback

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
            ),
            handle_agenda,
        ),
    ),
    buttons=(ButtonVerb(FEEDBACK, lambda context, action: press_feedback(context, *action.args)),),
    forms=(SNIPPET,),
)
