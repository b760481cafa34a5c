"""Compact action ids for buttons.

Telegram allows 64 bytes of callback data and anyone holding an old message can press its
buttons months later, so an action id is short, strictly shaped and validated on the way in:
``verb:arg:arg`` with a verb from a known set and arguments of letters, digits, ``-`` and
``_``. Whatever does not fit is refused with `InvalidAction`, which adapters turn into a
polite "this button no longer works" instead of an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_ACTION_BYTES = 64
# The largest id every table can hold: the id columns are `INTEGER`, which SQLite stores in
# 64 bits but PostgreSQL in 32 (it raises `DataError` for a larger parameter), so the
# portable limit is PostgreSQL's; no row of ours comes anywhere near it.
MAX_DATABASE_ID = 2**31 - 1
_ARG = re.compile(r"[A-Za-z0-9_\-]{1,40}")
_VERB = re.compile(r"[a-z][a-z0-9_]{0,15}")


class InvalidAction(ValueError):
    """A button's action id that is malformed, too long or unknown."""


@dataclass(frozen=True)
class Action:
    verb: str
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        if not _VERB.fullmatch(self.verb) or not all(_ARG.fullmatch(a) for a in self.args):
            raise InvalidAction(f"cannot encode action {self.verb!r} {self.args!r}")
        encoded = ":".join((self.verb, *self.args))
        if len(encoded.encode()) > MAX_ACTION_BYTES:
            raise InvalidAction(f"action id longer than {MAX_ACTION_BYTES} bytes")
        return encoded


def encode_action(verb: str, *args: str | int) -> str:
    return Action(verb, tuple(str(a) for a in args)).encode()


@dataclass(frozen=True)
class Verb:
    """A kind of button, declared once where its buttons are made.

    The same object encodes the buttons (`action`) and is registered with what pressing them
    does (`bot.core.kernel.features.ButtonVerb`), so the code string is written in one place
    and a verb nobody registered is caught by a test, not by a user pressing it.
    """

    code: str
    arity: int = 1  # how many arguments its buttons carry; other counts are stale or forged

    def __post_init__(self) -> None:
        if not _VERB.fullmatch(self.code) or self.arity < 1:
            raise InvalidAction(f"not a verb: {self.code!r}/{self.arity}")

    def action(self, *args: str | int) -> str:
        if len(args) != self.arity:
            raise InvalidAction(f"{self.code} takes {self.arity} arguments, not {len(args)}")
        return encode_action(self.code, *args)


def decode_action(data: str | bytes | None, known_verbs: frozenset[str] | None = None) -> Action:
    """Parse an action id from a platform; refuse anything we could not have sent."""
    if data is None:
        raise InvalidAction("no action")
    if isinstance(data, bytes):
        try:
            data = data.decode()
        except UnicodeDecodeError as error:
            raise InvalidAction("action id is not text") from error
    if not data or len(data.encode()) > MAX_ACTION_BYTES:
        raise InvalidAction("action id empty or too long")
    verb, *args = data.split(":")
    if not _VERB.fullmatch(verb) or not all(_ARG.fullmatch(a) for a in args):
        raise InvalidAction("action id malformed")
    if known_verbs is not None and verb not in known_verbs:
        raise InvalidAction(f"unknown action {verb!r}")
    return Action(verb, tuple(args))


def database_id(argument: str) -> int | None:
    """A button's argument as a row id; None when it cannot be one.

    An action argument may be forty digits long, but a database id is a positive integer
    of at most `MAX_DATABASE_ID`: asked for a larger one, SQLite raises `OverflowError`
    (past 63 bits) and PostgreSQL a `DataError` (past its 32-bit `INTEGER`), both far
    from the handler. Press handlers turn their arguments into ids here, so such a button
    is simply stale, like one whose row is gone."""
    if not (argument.isascii() and argument.isdigit()):
        return None
    value = int(argument)
    return value if 0 < value <= MAX_DATABASE_ID else None
