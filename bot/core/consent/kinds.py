"""What each kind of decision means: how its value is checked and shown, and what adopting
it does. The feature that owns a kind registers it once, when its package is imported; the
consent package itself knows no kind's meaning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from bot.core.consent.models import Decision, DecisionKind
from bot.core.kernel import Alliance, Texts


class ConsentError(ValueError):
    """A proposal or an answer that cannot be accepted; `code` names the reason for texts."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


# (session, alliance, value as typed) -> the value as stored; raises ConsentError("bad_value")
Check = Callable[[Session, Alliance, str], str]
# (session, alliance) -> the value in force now, so that proposing it again is refused
Current = Callable[[Session, Alliance], str | None]
# (session, alliance, the adopted decision) -> None; runs in the transaction of the last answer
Adopt = Callable[[Session, Alliance, Decision], None]
# (texts, value) -> the value as the reader says it ("productief")
Describe = Callable[[Texts, str], str]


@dataclass(frozen=True)
class ConsentKind:
    kind: DecisionKind
    title: str  # what is decided, marked with `_()`: "the alliance's phase"
    check: Check
    current: Current
    adopt: Adopt
    describe: Describe


_KINDS: dict[DecisionKind, ConsentKind] = {}


def register_kind(entry: ConsentKind) -> None:
    """Register a kind (again, harmlessly: a re-imported module registers the same entry)."""
    _KINDS[entry.kind] = entry


def kind_of(kind: DecisionKind | str) -> ConsentKind:
    try:
        return _KINDS[DecisionKind(kind)]
    except (KeyError, ValueError):
        raise ConsentError("unknown_kind", kind=str(kind)) from None


def registered_kinds() -> tuple[ConsentKind, ...]:
    return tuple(_KINDS.values())
