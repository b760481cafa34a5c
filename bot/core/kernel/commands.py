"""The command table: the same words on every platform, in English and in Dutch.

Adapters turn a platform payload into a `Command` and hand it to `bot.core.dispatch`; they
never decide who may do what. The table is data so that `help`, Telegram's command menu and
Slack's usage hint all come from one place.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.core.kernel.texts import _

ADVISER = "adviser"
AMBASSADOR = "ambassador"
PARTNER = "partner"
ROLES = frozenset({ADVISER, AMBASSADOR, PARTNER})
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

    def name_in(self, language: str) -> str:
        return self.dutch if language == "nl" else self.english

    def allowed_for(self, roles: frozenset[str]) -> bool:
        return bool(self.roles & roles)


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("help", "help", "hulp", ALL, _("what I can do here")),
    CommandSpec("house", "house", "kernboodschap", ALL, _("the current message house")),
    CommandSpec(
        "propose",
        "propose",
        "voorstel",
        frozenset({ADVISER}),
        _("propose a change to the message house"),
    ),
    CommandSpec(
        "endorse",
        "endorse",
        "onderschrijf",
        frozenset({ADVISER}),
        _("endorse the proposal on behalf of your partner"),
    ),
    CommandSpec(
        "object",
        "object",
        "bezwaar",
        frozenset({ADVISER}),
        _("object to the proposal on behalf of your partner, with a reason"),
        usage=_("reason"),
    ),
    CommandSpec(
        "note",
        "note",
        "notitie",
        frozenset({ADVISER, PARTNER}),
        _("how a pillar translates for your constituency"),
        usage=_("pillar text"),
    ),
    CommandSpec(
        "toolkit",
        "toolkit",
        "toolkit",
        frozenset({ADVISER, PARTNER}),
        _("toolkit snippets for a partner, personalised"),
    ),
    CommandSpec(
        "agenda",
        "agenda",
        "agenda",
        frozenset({ADVISER, PARTNER}),
        _("upcoming agenda moments and planned snippets"),
    ),
    CommandSpec(
        "pulse",
        "pulse",
        "peiling",
        ALL,
        _("answer the open pulse poll; advisers also see results"),
    ),
    CommandSpec(
        "agreements",
        "agreements",
        "afspraken",
        ALL,
        _("your agreements (advisers: all), with status buttons"),
    ),
    CommandSpec(
        "flags",
        "flags",
        "signalen",
        frozenset({ADVISER}),
        _("declining follow-up and pulse flags"),
    ),
    CommandSpec(
        "signal",
        "signal",
        "signaal",
        frozenset({AMBASSADOR}),
        _("send a signal from your region to the national table"),
        usage=_("text"),
    ),
    CommandSpec("language", "language", "taal", ALL, _("choose your language"), usage="nl|en"),
    CommandSpec(
        "mute",
        "mute",
        "stil",
        ALL,
        _("pause unsolicited messages for a number of days"),
        usage=_("days"),
    ),
)

COMMANDS_BY_KEY: dict[str, CommandSpec] = {spec.key: spec for spec in COMMANDS}
_BY_NAME: dict[str, CommandSpec] = {
    name: spec for spec in COMMANDS for name in (spec.english, spec.dutch)
}


def find_command(word: str) -> CommandSpec | None:
    return _BY_NAME.get(word.lower())


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
