"""The message house in the conversation: its commands and the buttons under a proposal."""

from __future__ import annotations

from bot.core.house.forms import PROPOSE
from bot.core.house.handlers import (
    handle_endorse,
    handle_house,
    handle_note,
    handle_object,
    handle_propose,
    press_answer,
    press_confirm_replace,
    press_undo_replace,
)
from bot.core.house.models import EndorsementVerdict
from bot.core.house.notices import ENDORSE, OBJECT
from bot.core.house.replacing import CONFIRM_REPLACE, UNDO_REPLACE
from bot.core.kernel import (
    ADVISER,
    ALL,
    PARTNER,
    ButtonVerb,
    ChatCommand,
    CommandSpec,
    Feature,
    SubCommand,
    _,
)

PROPOSE_EXAMPLE = _("reason: a shorter roof // roof: Together we help older people live at home.")
REPLACE_EXAMPLE = _(
    "reason: a shorter roof // roof: Older people live at home longer, together. // replace"
)

FEATURE = Feature(
    "house",
    commands=(
        ChatCommand(
            CommandSpec("house", "house", "kernboodschap", ALL, _("the current message house")),
            handle_house,
        ),
        ChatCommand(
            CommandSpec(
                "propose",
                "propose",
                "voorstel",
                frozenset({ADVISER}),
                _("propose a change to the message house"),
                usage=_("[lines]"),
                subcommands=(
                    SubCommand(
                        "",
                        "",
                        _("open a proposal: the reason, then the lines that change"),
                        PROPOSE_EXAMPLE,
                    ),
                    SubCommand(
                        "",
                        "",
                        _("the same, replacing the open proposal (asks first)"),
                        REPLACE_EXAMPLE,
                    ),
                    SubCommand("withdraw", "intrekken", _("take the open proposal back")),
                    SubCommand(
                        "undo",
                        "herstel",
                        _("bring back the proposal you just replaced, with its answers"),
                    ),
                ),
            ),
            handle_propose,
        ),
        ChatCommand(
            CommandSpec(
                "endorse",
                "endorse",
                "onderschrijf",
                frozenset({ADVISER}),
                _("endorse the proposal on behalf of your partner"),
            ),
            handle_endorse,
        ),
        ChatCommand(
            CommandSpec(
                "object",
                "object",
                "bezwaar",
                frozenset({ADVISER}),
                _("object to the proposal on behalf of your partner, with a reason"),
                usage=_("reason"),
                subcommands=(
                    SubCommand(
                        "", "", _("with your reason"), _("The second pillar promises too much.")
                    ),
                ),
            ),
            handle_object,
        ),
        ChatCommand(
            CommandSpec(
                "note",
                "note",
                "notitie",
                frozenset({ADVISER, PARTNER}),
                _("how a pillar translates for your constituency"),
                usage=_("pillar text"),
                subcommands=(
                    SubCommand(
                        "",
                        "",
                        _("set the note for pillar 1"),
                        _("1 For our tenants this means a home that fits."),
                    ),
                ),
            ),
            handle_note,
        ),
    ),
    buttons=(
        ButtonVerb(CONFIRM_REPLACE, lambda c, action: press_confirm_replace(c, action.args[0])),
        ButtonVerb(UNDO_REPLACE, lambda c, action: press_undo_replace(c, action.args[0])),
        ButtonVerb(
            ENDORSE,
            lambda context, action: press_answer(
                context, EndorsementVerdict.ENDORSE, action.args[0]
            ),
        ),
        ButtonVerb(
            OBJECT,
            lambda context, action: press_answer(
                context, EndorsementVerdict.OBJECT, action.args[0]
            ),
        ),
    ),
    forms=(PROPOSE,),
)
