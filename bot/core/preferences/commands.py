"""A person's settings in the conversation (channel and alliance switching will join them)."""

from __future__ import annotations

from bot.core.kernel import ALL, ChatCommand, CommandSpec, Feature, _
from bot.core.preferences.handlers import handle_language, handle_mute

FEATURE = Feature(
    "preferences",
    commands=(
        ChatCommand(
            CommandSpec("language", "language", "taal", ALL, _("choose your language"), "nl|en"),
            handle_language,
        ),
        ChatCommand(
            CommandSpec(
                "mute",
                "mute",
                "stil",
                ALL,
                _("pause unsolicited messages for a number of days"),
                usage=_("days"),
            ),
            handle_mute,
        ),
    ),
)
