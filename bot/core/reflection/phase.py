"""The alliance's phase: set in the alliance file, changed by the partners' consent.

The file names the phase an alliance starts in (default: start); after that a phase moves by
a proposal that partners endorse or object to (`bot.core.consent`, kind `phase`). Editing
the file's `phase` records a change too, as editing the file's message house adds a version.
Naming the phase lets people know where they are; the digest suggests the work that fits it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.core.consent import (
    ConsentError,
    ConsentKind,
    Decision,
    DecisionKind,
    register_kind,
)
from bot.core.kernel import Alliance, Texts, _, iso_local
from bot.core.reflection.models import Phase, PhaseChange, PhaseSource

PHASE_NAMES: dict[str, str] = {
    Phase.START: _("start"),
    Phase.DISCOVER: _("discover and learn"),
    Phase.PRODUCTIVE: _("productive"),
    Phase.RENEW: _("renew"),
}
# what people may type for a phase, in either language
PHASE_WORDS: dict[str, Phase] = {
    "start": Phase.START,
    "discover": Phase.DISCOVER,
    "ontdekken": Phase.DISCOVER,
    "leren": Phase.DISCOVER,
    "productive": Phase.PRODUCTIVE,
    "productief": Phase.PRODUCTIVE,
    "renew": Phase.RENEW,
    "vernieuwen": Phase.RENEW,
}


# what happens elsewhere when the phase changes (a feature higher up registers it at import,
# e.g. offering the intake again): called with the session, the alliance and the new phase
PhaseListener = Callable[[Session, Alliance, Phase], None]
_LISTENERS: list[PhaseListener] = []


def on_phase_change(listener: PhaseListener) -> None:
    """Be told of every phase change (from the file or adopted by consent), in its
    transaction; a feature above `reflection` registers here without being imported."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def _record(session: Session, change: PhaseChange) -> None:
    session.add(change)
    session.flush()
    alliance = session.get(Alliance, change.alliance_id)
    assert alliance is not None
    for listener in _LISTENERS:
        listener(session, alliance, Phase(change.phase))


def phase_name(texts: Texts, phase: str) -> str:
    return texts.gettext(PHASE_NAMES.get(phase, phase))


def parse_phase(word: str) -> Phase | None:
    return PHASE_WORDS.get(word.strip().lower())


def changes_of(session: Session, alliance: Alliance) -> list[PhaseChange]:
    return list(
        session.exec(
            select(PhaseChange)
            .where(PhaseChange.alliance_id == alliance.id)
            .order_by(col(PhaseChange.since), col(PhaseChange.id))
        )
    )


def current_phase(session: Session, alliance: Alliance) -> tuple[Phase, datetime]:
    """The phase now and since when (an alliance whose file names none is in `start`)."""
    changes = changes_of(session, alliance)
    if not changes:
        return Phase.START, alliance.created_at
    return Phase(changes[-1].phase), changes[-1].since


def phase_from_file(session: Session, alliance: Alliance, phase: str | None) -> None:
    """The alliance file's `phase`: recorded when it is new or was edited in the file."""
    if phase is None:
        return
    from_file = [c for c in changes_of(session, alliance) if c.source == PhaseSource.ALLIANCE_FILE]
    if from_file and from_file[-1].phase == phase:
        return  # the file says what it said: a phase adopted since then stays
    if not from_file and current_phase(session, alliance)[0] == phase:
        return
    _record(session, PhaseChange(alliance_id=alliance.id or 0, phase=Phase(phase)))


def phase_json(session: Session, alliance: Alliance) -> dict[str, Any]:
    """`phase --json`: the phase, since when, and every change (oldest first)."""
    phase, since = current_phase(session, alliance)
    zone = alliance.timezone
    return {
        "phase": phase.value,
        "since": iso_local(since, zone),
        "history": [
            {
                "phase": c.phase,
                "since": iso_local(c.since, zone),
                "source": c.source,
                "decision": c.decision_id,
                "reason": c.reason,
            }
            for c in changes_of(session, alliance)
        ],
    }


def _check(_session: Session, _alliance: Alliance, value: str) -> str:
    phase = parse_phase(value)
    if phase is None:
        raise ConsentError("bad_value", value=value, choices=", ".join(Phase))
    return phase.value


def _adopt(session: Session, alliance: Alliance, decision: Decision) -> None:
    _record(
        session,
        PhaseChange(
            alliance_id=alliance.id or 0,
            phase=Phase(decision.value),
            since=decision.decided_at or alliance.created_at,
            source=PhaseSource.DECISION,
            decision_id=decision.id,
            reason=decision.reason,
        ),
    )


register_kind(
    ConsentKind(
        DecisionKind.PHASE,
        _("the alliance's phase"),
        check=_check,
        current=lambda session, alliance: current_phase(session, alliance)[0].value,
        adopt=_adopt,
        describe=phase_name,
    )
)
