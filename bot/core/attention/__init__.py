"""attention: TODO docstring."""

# face: FEATURE
from __future__ import annotations

from bot.core.attention.commands import FEATURE
from bot.core.attention.flags import Detected, explanation, open_flags, sync_flags
from bot.core.attention.models import (
    Flag,
    FlagFamily,
    FlagKind,
    FlagLevel,
    Signal,
    SignalStatus,
)
from bot.core.attention.signals import open_signals, record_signal

__all__ = [
    "FEATURE",
    "Detected",
    "Flag",
    "FlagFamily",
    "FlagKind",
    "FlagLevel",
    "Signal",
    "SignalStatus",
    "explanation",
    "open_flags",
    "open_signals",
    "record_signal",
    "sync_flags",
]
