"""voice: who speaks, and in whose name.

The spokespeople register (who speaks on which pillar or theme, for which organisation),
kept by the coordinators (`woordvoering`/`spokespeople`), which press quotes use instead of
a placeholder.
"""

from __future__ import annotations

from bot.core.voice.models import Spokesperson

__all__ = ["Spokesperson"]
