"""A person's settings in the conversation: language, a pause, and where messages reach them."""

from __future__ import annotations

from bot.core.kernel import ALL, ChatCommand, CommandSpec, Feature, SubCommand, _
from bot.core.preferences.handlers import handle_channel, handle_language, handle_mute

FEATURE = Feature(
    "preferences",
    commands=(
        ChatCommand(
            CommandSpec(
                "language",
                "language",
                "taal",
                ALL,
                _("choose your language"),
                "nl|en",
            ),
            handle_language,
        ),
        ChatCommand(
            CommandSpec(
                "mute",
                "mute",
                "stil",
                ALL,
                _("alone: whether I keep quiet; with a number: quiet for that many days"),
                usage=_("[days]"),
                subcommands=(
                    SubCommand("", "", _("pause for a number of days"), "7"),
                    SubCommand("off", "uit", _("end the pause")),
                ),
            ),
            handle_mute,
        ),
        ChatCommand(
            CommandSpec(
                "channel",
                "channel",
                "kanaal",
                ALL,
                _("where unsolicited messages reach you: Slack, Telegram or e-mail"),
                usage="slack|telegram|email",
                subcommands=(SubCommand("", "", _("choose a channel"), "email"),),
            ),
            handle_channel,
        ),
    ),
)
