"""Who speaks, in the conversation: `woordvoering`/`spokespeople`."""

from __future__ import annotations

from bot.core.kernel import ADVISER, COORDINATOR, ChatCommand, CommandSpec, Feature, SubCommand, _
from bot.core.voice.handlers import handle_spokespeople
from bot.core.voice.positioning_handlers import handle_positioning

FEATURE = Feature(
    "voice",
    commands=(
        ChatCommand(
            CommandSpec(
                "spokespeople",
                "spokespeople",
                "woordvoering",
                frozenset({ADVISER, COORDINATOR}),
                _("who speaks on which topic"),
                subcommands=(
                    SubCommand(
                        "new",
                        "nieuw",
                        _("register who speaks: pillar or theme | name | function | partner"),
                        _("1 | Jan de Wit | director | %(partner)s"),
                        roles=frozenset({COORDINATOR}),
                    ),
                    SubCommand(
                        "remove",
                        "weg",
                        _("take a line out of the register"),
                        "1",
                        roles=frozenset({COORDINATOR}),
                    ),
                ),
            ),
            handle_spokespeople,
        ),
        ChatCommand(
            CommandSpec(
                "positioning",
                "positioning",
                "positionering",
                frozenset({ADVISER, COORDINATOR}),
                _("our positioning, the questions to decide it, a proposal to change it"),
                subcommands=(
                    SubCommand(
                        "",
                        "",
                        _("propose another positioning to the partners, with why"),
                        _("branded the task in front, not us"),
                    ),
                ),
            ),
            handle_positioning,
        ),
    ),
)
