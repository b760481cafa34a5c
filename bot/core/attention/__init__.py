"""attention: what needs the advisers' attention, and the signals from the regions.

Flags kept as episodes (told once, acknowledged with a note, ended when the decline stops)
and regional signals from ambassadors on their way to the national table. `pulse` and
`followup` raise flags here; this package never runs their detection.
"""

from __future__ import annotations

from bot.core.attention.commands import FEATURE
from bot.core.attention.export import SIGNAL_FIELDS, signal_rows, signals_csv, stored_flag_rows
from bot.core.attention.flags import (
    Detected,
    checked_at,
    count_open_flags,
    explanation,
    open_flags,
    sync_flags,
)
from bot.core.attention.models import (
    Flag,
    FlagCheck,
    FlagFamily,
    FlagKind,
    FlagLevel,
    Signal,
    SignalStatus,
)
from bot.core.attention.signals import count_open_signals, open_signals, record_signal

__all__ = [
    "FEATURE",
    "SIGNAL_FIELDS",
    "Detected",
    "Flag",
    "FlagCheck",
    "FlagFamily",
    "FlagKind",
    "FlagLevel",
    "Signal",
    "SignalStatus",
    "checked_at",
    "count_open_flags",
    "count_open_signals",
    "explanation",
    "open_flags",
    "open_signals",
    "record_signal",
    "signal_rows",
    "signals_csv",
    "stored_flag_rows",
    "sync_flags",
]
