"""The phase and the learning agenda in the conversation: `fase`/`phase` and
`leeragenda`/`learning`."""

from __future__ import annotations

from bot.core.kernel import (
    ADVISER,
    ALL,
    COORDINATOR,
    ChatCommand,
    CommandSpec,
    Feature,
    SubCommand,
    _,
)
from bot.core.reflection.handlers import handle_learning, handle_phase

FEATURE = Feature(
    "reflection",
    commands=(
        ChatCommand(
            CommandSpec(
                "phase",
                "phase",
                "fase",
                ALL,
                _("the alliance's phase and how it got there"),
                subcommands=(
                    SubCommand("", "", _("the phase, since when, and its history")),
                    SubCommand(
                        "propose",
                        "voorstel",
                        _("propose the next phase to the partners, with a reason"),
                        _("productive We deliver results and want to harvest them."),
                        frozenset({ADVISER}),
                    ),
                ),
            ),
            handle_phase,
        ),
        ChatCommand(
            CommandSpec(
                "learning",
                "learning",
                "leeragenda",
                frozenset({ADVISER, COORDINATOR}),
                _("the alliance's learning agenda"),
                usage=_("[add text | close number lesson]"),
                subcommands=(
                    SubCommand("", "", _("what we want to learn, and what we learned")),
                    SubCommand(
                        "add",
                        "nieuw",
                        _("add something to learn this period"),
                        _("How do we involve tenants earlier?"),
                    ),
                    SubCommand(
                        "close",
                        "sluit",
                        _("close an item with what was learned"),
                        _("1 Invite them before the plan exists, not after."),
                    ),
                ),
            ),
            handle_learning,
        ),
    ),
)
