"""The agenda types and the words that name them, kept apart from the calendar reader.

Both a calendar's events (`bot.core.agenda.calendars`) and a type a person types in chat (the
toolkit's commands) are classified with these words, so they live in one small module that
needs neither icalendar nor a database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# The agenda types and the words (English and Dutch) that name them, in order of precedence:
# a summary naming two types gets the first. A word matches a word of the text when it is
# the whole word, its beginning or its end ("Bestuursvergadering", "Gemeenteraad",
# "Deadline nieuwsbrief"), unless that word is in `NOT_KIND_WORDS`.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "newsletter": ("newsletter", "nieuwsbrief", "magazine"),
    "board": ("board", "bestuur", "stuurgroep"),
    "council": ("council", "raad", "assembly"),
    "members": ("member", "leden", "achterban", "constituency"),
    "event": ("event", "evenement", "congres"),
    "campaign": ("campaign", "campagne"),
}
NOT_KIND_WORDS = frozenset(
    [
        "billboard",
        "clipboard",
        "dashboard",
        "keyboard",
        "whiteboard",
        "remember",
        "remembers",
        "prevent",
        "eventual",
        "eventually",
        "beraad",
        "voorraad",
        "raadplegen",
        "raadpleging",
        "raadsel",
        "geleden",
        "overleden",
    ]
)
OTHER = "other"

_WORD = re.compile(r"[^\W\d_]+")


def classify(summary: str, categories: Iterable[str] = ()) -> str:
    """The agenda type: from the first category that names one, else the summary, else other."""
    for category in categories:
        kind = _kind_in(category)
        if kind != OTHER:
            return kind
    return _kind_in(summary)


def _kind_in(text: str) -> str:
    words = [w for w in _WORD.findall(text.casefold()) if w not in NOT_KIND_WORDS]
    for kind, names in KIND_WORDS.items():
        for word in words:
            if any(word.startswith(n) or word.endswith(n) for n in names):
                return kind
    return OTHER
