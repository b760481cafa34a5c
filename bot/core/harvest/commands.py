"""The harvest in the conversation: `oogst`/`harvest`, its buttons, and the answer to
"what did it bring?" after an agreement was marked done."""

from __future__ import annotations

from bot.core.harvest.forms import HARVEST
from bot.core.harvest.handlers import (
    PILLAR,
    PROOF,
    UNDO,
    continue_harvest,
    handle_harvest,
    press_pillar,
    press_proof,
    press_undo,
)
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

FEATURE = Feature(
    "harvest",
    commands=(
        ChatCommand(
            CommandSpec(
                "harvest",
                "harvest",
                "oogst",
                ALL,
                _("what finished agreements brought; add a result"),
                subcommands=(
                    SubCommand(
                        "new",
                        "nieuw",
                        _("add a result, with a figure after a | if there is one"),
                        _("45 tenants came to the evening | 45"),
                    ),
                    SubCommand(
                        "proof",
                        "bewijs",
                        _("make result 1 a proof point of pillar 2 (coordinators)"),
                        "1 2",
                        roles=frozenset({ADVISER}),
                    ),
                ),
            ),
            handle_harvest,
        ),
    ),
    buttons=(
        ButtonVerb(PROOF, lambda context, action: press_proof(context, action.args[0])),
        ButtonVerb(
            PILLAR, lambda context, action: press_pillar(context, action.args[0], action.args[1])
        ),
        ButtonVerb(UNDO, lambda context, action: press_undo(context, action.args[0])),
    ),
    prompts=(continue_harvest,),
    forms=(HARVEST,),
)
