"""The needs in the conversation: `intake` (a partner's adviser, private) and `behoeften`/
`needs` (what the partners bring and need, as each shared it)."""

from __future__ import annotations

from bot.core.kernel import (
    ADVISER,
    COORDINATOR,
    ButtonVerb,
    ChatCommand,
    CommandSpec,
    Feature,
    SubCommand,
    _,
)
from bot.core.needs.forms import INTAKE
from bot.core.needs.handlers import (
    SHARE,
    SKIP,
    STOP,
    continue_intake,
    handle_intake,
    press_share,
    press_skip,
    press_start,
    press_stop,
)
from bot.core.needs.offers import START
from bot.core.needs.views import handle_needs

FEATURE = Feature(
    "needs",
    commands=(
        ChatCommand(
            CommandSpec(
                "intake",
                "intake",
                "intake",
                frozenset({ADVISER}),
                _("my organisation's needs, offer and interests (private, skippable)"),
                subcommands=(
                    SubCommand("show", "toon", _("what my organisation answered")),
                    SubCommand("skip", "overslaan", _("skip the question asked now")),
                    SubCommand("stop", "stop", _("stop; what was answered is kept")),
                ),
            ),
            handle_intake,
        ),
        ChatCommand(
            CommandSpec(
                "needs",
                "needs",
                "behoeften",
                frozenset({ADVISER, COORDINATOR}),
                _("what partners bring and need (what each shared)"),
                subcommands=(SubCommand("", "", _("one partner's profile"), _("%(partner)s")),),
            ),
            handle_needs,
        ),
    ),
    buttons=(
        ButtonVerb(SKIP, lambda context, action: press_skip(context, action.args[0])),
        ButtonVerb(
            SHARE, lambda context, action: press_share(context, action.args[0], action.args[1])
        ),
        ButtonVerb(STOP, lambda context, action: press_stop(context, action.args[0])),
        ButtonVerb(START, lambda context, action: press_start(context, action.args[0])),
    ),
    prompts=(continue_intake,),
    forms=(INTAKE,),
)
