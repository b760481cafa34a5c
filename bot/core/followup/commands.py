"""Agreements in the conversation: the list, one agreement, new ones, the check-in buttons."""

from __future__ import annotations

from bot.core.followup.checkins import DONE, NEED_HELP, ON_TRACK, STUCK
from bot.core.followup.forms import AGREEMENT
from bot.core.followup.handlers import (
    continue_stuck,
    handle_agreement,
    handle_agreements,
    press_checkin,
    press_more,
    press_open,
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
    ),
    prompts=(continue_stuck,),
    forms=(AGREEMENT,),
    extensions=(Extension("flags", stuck_in_flags),),
)
