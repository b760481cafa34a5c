"""Commands: the same words on every platform, in English and in Dutch.

Adapters turn a platform payload into a `Command` and hand it to `bot.core.dispatch`; they
never decide who may do what. Each feature declares its own `CommandSpec`s (its
`commands.py`); as data, so that `help`, Telegram's command menu and Slack's usage hint all
come from the same declaration.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

ADVISER = "adviser"
AMBASSADOR = "ambassador"
PARTNER = "partner"
COORDINATOR = "coordinator"
ROLES = frozenset({ADVISER, AMBASSADOR, PARTNER, COORDINATOR})
ALL = ROLES

MAX_COMMAND_LENGTH = 2000


@dataclass(frozen=True)
class CommandSpec:
    key: str
    english: str
    dutch: str
    roles: frozenset[str]
    summary: str  # English message id; translated when shown
    usage: str = ""  # what follows the name, shown in italics in help (a message id)
    # names the command had before, still understood for a while (the reply says the new one)
    former: tuple[str, ...] = ()

    def name_in(self, language: str) -> str:
        return self.dutch if language == "nl" else self.english

    def allowed_for(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)


@dataclass(frozen=True)
class Command:
    """A request from a person, whatever platform it came from."""

    person_id: int
    spec: CommandSpec | None  # None: a word we do not know
    word: str  # as typed, for "I don't know X"
    args: str
    platform: str
    context: dict[str, Any] = field(default_factory=dict)


# Control characters and direction overrides (which can disguise text); the zero-width
# joiners U+200C and U+200D stay, because emoji sequences and many scripts need them.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_input(text: str) -> str:
    """Remove control and bidi-override characters and normalise; never evaluates anything."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text).replace("\r", "")
    return text.strip()[:MAX_COMMAND_LENGTH]


def split_command_line(text: str) -> tuple[str, str]:
    """`"/House@alliance_bot  extra"` → `("house", "extra")`: the word and the rest."""
    cleaned = clean_input(text)
    if not cleaned:
        return "", ""
    word, _sep, rest = cleaned.partition(" ")
    word = word.lstrip("/").split("@", 1)[0].lower()
    return word, rest.strip()
