"""Agreements in the conversation: the list, new ones, and the check-in buttons."""

from __future__ import annotations

from bot.core.followup.change_handlers import (
    AWAITING_DROP,
    AWAITING_MOVE,
    DETAIL,
    DROP,
    MOVE,
    UNDO,
    continue_change,
    press_change,
    press_detail,
    press_undo,
)
from bot.core.followup.checkins import DONE, NEED_HELP, ON_TRACK, STUCK
from bot.core.followup.forms import AGREEMENT, DROP_FORM, MOVE_FORM
from bot.core.followup.handlers import (
    SKIP_HARVEST,
    continue_stuck,
    handle_agreements,
    press_checkin,
    press_skip_harvest,
)
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
    buttons=(
        *(ButtonVerb(verb, _checkin(verb.code)) for verb in (DONE, ON_TRACK, STUCK, NEED_HELP)),
        ButtonVerb(DETAIL, lambda context, action: press_detail(context, action.args[0])),
        ButtonVerb(
            MOVE, lambda context, action: press_change(context, AWAITING_MOVE, action.args[0])
        ),
        ButtonVerb(
            DROP, lambda context, action: press_change(context, AWAITING_DROP, action.args[0])
        ),
        ButtonVerb(UNDO, lambda context, action: press_undo(context, action.args[0])),
        ButtonVerb(
            SKIP_HARVEST, lambda context, action: press_skip_harvest(context, action.args[0])
        ),
    ),
    prompts=(continue_stuck, continue_change),
    forms=(AGREEMENT, MOVE_FORM, DROP_FORM),
)
