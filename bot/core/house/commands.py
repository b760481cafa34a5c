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
)
from bot.core.house.models import EndorsementVerdict
from bot.core.house.notices import ENDORSE, OBJECT
from bot.core.kernel import (
    ADVISER,
    ALL,
    PARTNER,
    ButtonVerb,
    ChatCommand,
    CommandSpec,
    Feature,
    _,
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
            ),
            handle_note,
        ),
    ),
    buttons=(
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
