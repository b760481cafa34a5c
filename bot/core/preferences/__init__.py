"""preferences: what a person decides for themselves — the language they read and a pause
from unsolicited messages. Its own room because the next settings (the channel that reaches
someone, the alliance they act in) belong to the person, not to any one capability."""

from __future__ import annotations

from bot.core.preferences.commands import FEATURE
from bot.core.preferences.handlers import MAX_MUTE_DAYS

__all__ = ["FEATURE", "MAX_MUTE_DAYS"]
