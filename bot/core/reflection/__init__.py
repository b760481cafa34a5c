"""reflection: how the alliance looks at itself — its phase and its learning agenda.

The phase (start, discover, productive, renew) is set in the alliance file and changed by
the partners' consent (`bot.core.consent`, kind `phase`, registered here); the learning
agenda is the short list of what the alliance wants to learn, closed with lessons. The
digest and the lens check read both.
"""

from __future__ import annotations

from bot.core.reflection.commands import FEATURE
from bot.core.reflection.learning import (
    LearningError,
    add_item,
    close_item,
    item_json,
    learning_items,
)
from bot.core.reflection.models import LearningItem, Phase, PhaseChange, PhaseSource
from bot.core.reflection.phase import (
    PhaseListener,
    changes_of,
    current_phase,
    on_phase_change,
    parse_phase,
    phase_from_file,
    phase_json,
    phase_name,
)
from bot.core.reflection.suggestions import phase_suggestions

__all__ = [
    "FEATURE",
    "LearningError",
    "LearningItem",
    "Phase",
    "PhaseChange",
    "PhaseListener",
    "PhaseSource",
    "add_item",
    "changes_of",
    "close_item",
    "current_phase",
    "item_json",
    "learning_items",
    "on_phase_change",
    "parse_phase",
    "phase_from_file",
    "phase_json",
    "phase_name",
    "phase_suggestions",
]
