"""What needs attention, in the conversation: flags (advisers) and regional signals."""

from __future__ import annotations

from bot.core.attention.flag_handlers import (
    OLD_DUTCH_NAME,
    continue_note,
    handle_flags,
    press_ack,
)
from bot.core.attention.flags import ACK
from bot.core.attention.signal_handlers import (
    MAX_SIGNAL_LENGTH,
    continue_awaiting,
    handle_signal,
    press_signal,
)
from bot.core.attention.signals import ANSWERED, ON_AGENDA
from bot.core.kernel import (
    ADVISER,
    AMBASSADOR,
    ButtonVerb,
    ChatCommand,
    CommandSpec,
    Feature,
    SubCommand,
    _,
)

FEATURE = Feature(
    "attention",
    commands=(
        ChatCommand(
            CommandSpec(
                "flags",
                "flags",
                "aandachtspunten",
                frozenset({ADVISER}),
                _("declining follow-up and pulse flags"),
                subcommands=(
                    SubCommand(
                        "ack",
                        "ack",
                        _("mark one as seen, with a note for the other advisers"),
                        _("1 we call them on Monday"),
                    ),
                ),
                aliases=(OLD_DUTCH_NAME,),
            ),
            handle_flags,
        ),
        ChatCommand(
            CommandSpec(
                "signal",
                "signal",
                "signaal",
                frozenset({AMBASSADOR}),
                _("send a signal from your region to the national table"),
                usage=_("text"),
                subcommands=(
                    SubCommand(
                        "anonymous",
                        "anoniem",
                        _("the same, without your name"),
                        _("Volunteers in our region are dropping out"),
                    ),
                ),
                max_length=MAX_SIGNAL_LENGTH,
            ),
            handle_signal,
        ),
    ),
    buttons=(
        ButtonVerb(
            ON_AGENDA, lambda context, action: press_signal(context, action.verb, action.args[0])
        ),
        ButtonVerb(
            ANSWERED, lambda context, action: press_signal(context, action.verb, action.args[0])
        ),
        ButtonVerb(ACK, lambda context, action: press_ack(context, action.args[0])),
    ),
    prompts=(continue_awaiting, continue_note),
)
