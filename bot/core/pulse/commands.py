"""Pulse polls in the conversation: answering, changing one's answers, the open question."""

from __future__ import annotations

from bot.core.kernel import (
    ADVISER,
    ALL,
    ButtonVerb,
    ChatCommand,
    CommandSpec,
    Feature,
    SubCommand,
    _,
)
from bot.core.pulse.closing import CLOSE_ANYWAY, press_close_anyway
from bot.core.pulse.handlers import (
    continue_open_answer,
    handle_pulse,
    press_change,
    press_pulse_answer,
)
from bot.core.pulse.rounds import ANSWER, CHANGE

ADVISERS = frozenset({ADVISER})

FEATURE = Feature(
    "pulse",
    commands=(
        ChatCommand(
            CommandSpec(
                "pulse",
                "pulse",
                "peiling",
                ALL,
                _("answer the open pulse poll; advisers also see results"),
                subcommands=(
                    SubCommand(
                        "open", "open", _("open a round for the ambassadors"), roles=ADVISERS
                    ),
                    SubCommand(
                        "lenses",
                        "lenzen",
                        _("open a lens check: two statements per lens, for everyone"),
                        roles=ADVISERS,
                    ),
                    SubCommand(
                        "close",
                        "sluit",
                        _("close the open round (asks first when few answered)"),
                        roles=ADVISERS,
                    ),
                    SubCommand(
                        "results", "resultaten", _("the results of the rounds"), roles=ADVISERS
                    ),
                ),
            ),
            handle_pulse,
        ),
    ),
    buttons=(
        ButtonVerb(ANSWER, lambda context, action: press_pulse_answer(context, *action.args)),
        ButtonVerb(CHANGE, lambda context, action: press_change(context, action.args[0])),
        ButtonVerb(CLOSE_ANYWAY, lambda context, action: press_close_anyway(context, *action.args)),
    ),
    prompts=(continue_open_answer,),
)
