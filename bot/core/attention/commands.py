"""What needs attention, in the conversation: flags (advisers) and regional signals."""

from __future__ import annotations

from bot.core.attention.flag_handlers import continue_note, handle_flags, press_ack, press_share
from bot.core.attention.notices import ACK, SHARE
from bot.core.attention.signal_handlers import continue_awaiting, handle_signal, press_signal
from bot.core.attention.signals import ANSWERED, ON_AGENDA
from bot.core.kernel import (
    ADVISER,
    AMBASSADOR,
    ButtonVerb,
    ChatCommand,
    CommandSpec,
    Feature,
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
                # "signaal" is the regions' word; the old name still works for a while
                former=("signalen",),
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
        ButtonVerb(SHARE, lambda context, action: press_share(context, action.args[0])),
    ),
    prompts=(continue_awaiting, continue_note),
)
