"""voice: who speaks, and in whose name.

The spokespeople register (who speaks on which pillar or theme, for which organisation),
kept by the coordinators (`woordvoering`/`spokespeople`), which press quotes use instead of
a placeholder.
"""

from __future__ import annotations

from bot.core.voice.commands import FEATURE
from bot.core.voice.models import Spokesperson
from bot.core.voice.positioning import POSITIONING
from bot.core.voice.register import (
    Speaker,
    VoiceError,
    add_spokesperson,
    organisation_names,
    remove_spokesperson,
    spokespeople,
    spokespeople_rows,
    who_speaks,
    whom_to_ask,
)

__all__ = [
    "FEATURE",
    "POSITIONING",
    "Speaker",
    "Spokesperson",
    "VoiceError",
    "add_spokesperson",
    "organisation_names",
    "remove_spokesperson",
    "spokespeople",
    "spokespeople_rows",
    "who_speaks",
    "whom_to_ask",
]
