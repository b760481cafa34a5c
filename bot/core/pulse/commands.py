"""Pulse polls in the conversation: answering, changing one's answers, the open question."""

from __future__ import annotations

from bot.core.kernel import ALL, ButtonVerb, ChatCommand, CommandSpec, Feature, _
from bot.core.pulse.handlers import (
    continue_open_answer,
    handle_pulse,
    press_change,
    press_pulse_answer,
)
from bot.core.pulse.rounds import ANSWER, CHANGE

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
            ),
            handle_pulse,
        ),
    ),
    buttons=(
        ButtonVerb(ANSWER, lambda context, action: press_pulse_answer(context, *action.args)),
        ButtonVerb(CHANGE, lambda context, action: press_change(context, action.args[0])),
    ),
    prompts=(continue_open_answer,),
)
