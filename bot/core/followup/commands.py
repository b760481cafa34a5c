"""Agreements in the conversation: the list, one agreement, new ones, the check-in buttons."""

from __future__ import annotations

from bot.core.followup.change_handlers import (
    AWAITING_DROP,
    AWAITING_MOVE,
    DROP,
    MOVE,
    UNDO,
    continue_change,
    press_change,
    press_undo,
)
from bot.core.followup.checkins import DONE, NEED_HELP, ON_TRACK, STUCK
from bot.core.followup.forms import AGREEMENT, DROP_FORM, MOVE_FORM
from bot.core.followup.handlers import (
    SKIP_HARVEST,
    continue_stuck,
    handle_agreement,
    handle_agreements,
    press_checkin,
    press_more,
    press_open,
    press_skip_harvest,
    stuck_in_flags,
)
from bot.core.followup.listing import MORE, OPEN
from bot.core.kernel import (
    ADVISER,
    ALL,
    ButtonVerb,
    ChatCommand,
    CommandSpec,
    Extension,
    Feature,
    Press,
    SubCommand,
    _,
)


def _checkin(code: str) -> Press:
    return lambda context, action: press_checkin(context, code, action.args[0])


AGREEMENTS = CommandSpec(
    "agreements",
    "agreements",
    "afspraken",
    ALL,
    _("your agreements (advisers: all), with status buttons"),
    subcommands=(
        SubCommand("", "", _("only one partner's or region's agreements"), _("%(partner)s")),
        SubCommand("", "", _("only the late ones (also: stuck, on track, done)"), _("late")),
        SubCommand("", "", _("the next page"), "2"),
        SubCommand(
            "move",
            "verzet",
            _("a new due date, and why"),
            _("%(agreement)s %(date)s the board meets later"),
        ),
        SubCommand(
            "drop",
            "loslaten",
            _("let an agreement go, and why"),
            _("%(agreement)s something else is needed locally"),
        ),
        SubCommand(
            "new",
            "nieuw",
            _("add an agreement: partner, due date, text"),
            _("%(partner)s %(date)s Share the newsletter in the regions"),
            roles=frozenset({ADVISER}),
        ),
    ),
)

FEATURE = Feature(
    "followup",
    commands=(
        ChatCommand(AGREEMENTS, handle_agreements),
        ChatCommand(
            CommandSpec(
                "agreement",
                "agreement",
                "afspraak",
                ALL,
                _("one agreement in full: its state, dates and check-ins"),
                usage=_("key"),
                subcommands=(SubCommand("", "", _("by its key or number"), "%(agreement)s"),),
            ),
            handle_agreement,
        ),
    ),
    buttons=(
        *(ButtonVerb(verb, _checkin(verb.code)) for verb in (DONE, ON_TRACK, STUCK, NEED_HELP)),
        ButtonVerb(MORE, lambda context, action: press_more(context, *action.args)),
        ButtonVerb(OPEN, lambda context, action: press_open(context, action.args[0])),
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
    extensions=(Extension("flags", stuck_in_flags),),
)
