"""Agreements in the conversation: the list, new ones, and the check-in buttons."""

from __future__ import annotations

from bot.core.followup.checkins import DONE, NEED_HELP, ON_TRACK, STUCK
from bot.core.followup.forms import AGREEMENT
from bot.core.followup.handlers import continue_stuck, handle_agreements, press_checkin
from bot.core.kernel import ALL, ButtonVerb, ChatCommand, CommandSpec, Feature, Press, _


def _checkin(code: str) -> Press:
    return lambda context, action: press_checkin(context, code, action.args[0])


FEATURE = Feature(
    "followup",
    commands=(
        ChatCommand(
            CommandSpec(
                "agreements",
                "agreements",
                "afspraken",
                ALL,
                _("your agreements (advisers: all), with status buttons"),
            ),
            handle_agreements,
        ),
    ),
    buttons=tuple(
        ButtonVerb(verb, _checkin(verb.code)) for verb in (DONE, ON_TRACK, STUCK, NEED_HELP)
    ),
    prompts=(continue_stuck,),
    forms=(AGREEMENT,),
)
