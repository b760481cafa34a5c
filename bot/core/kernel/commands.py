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
ROLES = frozenset({ADVISER, AMBASSADOR, PARTNER})
ALL = ROLES

# What a person may type in one message: a command with its text, or a plain message. A
# longer one is refused with the limit named (never cut silently); a command may set a
# smaller limit of its own (a signal). `clean_input` keeps a little more than the limit,
# only so that "too long" can still be told.
MAX_COMMAND_LENGTH = 4000
_KEPT = MAX_COMMAND_LENGTH + 1


@dataclass(frozen=True)
class SubCommand:
    """A word after a command that does something else (`afspraken nieuw`), or, with an
    empty word, a way to narrow the command (`afspraken woonkracht`). Declared next to the
    command so that help lists every one with a working example.

    `example` is a message id for what follows the word; it may use `%(partner)s` (the
    reader's own partner, else the first one) and `%(date)s` (a date a month ahead)."""

    english: str
    dutch: str
    summary: str  # a message id
    example: str = ""  # a message id
    roles: frozenset[str] = ROLES

    def word_in(self, language: str) -> str:
        return self.dutch if language == "nl" else self.english


@dataclass(frozen=True)
class CommandSpec:
    key: str
    english: str
    dutch: str
    roles: frozenset[str]
    summary: str  # English message id; translated when shown
    usage: str = ""  # what follows the name, shown in italics in help (a message id)
    subcommands: tuple[SubCommand, ...] = ()
    # older names that still work for a while; the handler adds a hint to the new one
    aliases: tuple[str, ...] = ()
    max_length: int = MAX_COMMAND_LENGTH  # the longest message this command accepts

    def name_in(self, language: str) -> str:
        return self.dutch if language == "nl" else self.english

    def allowed_for(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)

    def subcommands_for(self, roles: frozenset[str]) -> tuple[SubCommand, ...]:
        return tuple(sub for sub in self.subcommands if sub.roles & roles)


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
    """Remove control and bidi-override characters and normalise; never evaluates anything.
    Keeps one character more than `MAX_COMMAND_LENGTH`, so a longer message is known to be
    too long (and refused with the limit named) without holding all of it."""
    text = unicodedata.normalize("NFC", text[: _KEPT * 4])
    text = _CONTROL.sub("", text).replace("\r", "")
    return text.strip()[:_KEPT]


def split_command_line(text: str) -> tuple[str, str]:
    """`"/House@alliance_bot  extra"` → `("house", "extra")`: the word and the rest."""
    cleaned = clean_input(text)
    if not cleaned:
        return "", ""
    word, _sep, rest = cleaned.partition(" ")
    word = word.lstrip("/").split("@", 1)[0].lower()
    return word, rest.strip()
