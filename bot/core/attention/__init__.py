"""attention: TODO docstring."""

from __future__ import annotations

from bot.core.attention.flag_handlers import continue_note, handle_flags, press_ack
from bot.core.attention.flags import ACK_VERB, Detected, explanation, open_flags, sync_flags
from bot.core.attention.models import (
    Flag,
    FlagFamily,
    FlagKind,
    FlagLevel,
    Signal,
    SignalStatus,
)
from bot.core.attention.signal_handlers import continue_awaiting, handle_signal, press_signal
from bot.core.attention.signals import open_signals, record_signal

__all__ = [
    "ACK_VERB",
    "Detected",
    "Flag",
    "FlagFamily",
    "FlagKind",
    "FlagLevel",
    "Signal",
    "SignalStatus",
    "continue_awaiting",
    "continue_note",
    "explanation",
    "handle_flags",
    "handle_signal",
    "open_flags",
    "open_signals",
    "press_ack",
    "press_signal",
    "record_signal",
    "sync_flags",
]
