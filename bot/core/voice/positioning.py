"""Positioning decided together: a proposal of kind `positioning` through the partners'
consent (`bot.core.consent`), with the practitioners' guiding questions.

The alliance file's value is the starting point; an adopted proposal sets the alliance's
positioning, which the next planning of toolkit snippets speaks in (a loaded file keeps it
until the file itself says something new: `Alliance.positioning_from_file`).
"""

from __future__ import annotations

from sqlmodel import Session

from bot.core.consent import ConsentError, ConsentKind, Decision, DecisionKind, register_kind
from bot.core.kernel import Alliance, Texts, _, utcnow

POSITIONINGS = ("monolithic", "branded", "endorsed")
WORDS = {
    "monolithisch": "monolithic",
    "monolithic": "monolithic",
    "branded": "branded",
    "endorsed": "endorsed",
}
VALUE_NAMES = {
    "monolithic": _("monolithic: the alliance speaks in its own name"),
    "branded": _("branded: the task in front, the partners speak, the alliance stays behind"),
    "endorsed": _("endorsed: the partners speak, as members of the alliance"),
}
GUIDING_QUESTIONS = (
    _("How important is it that each partner stays visible to its own constituency?"),
    _("Does a strong profile of the alliance serve our communication goals, and which?"),
    _("Are the goals better reached by the alliance or by the partners themselves?"),
    _("Who speaks for the alliance, and what do we do when it gets tense?"),
)


def _check(_session: Session, _alliance: Alliance, value: str) -> str:
    chosen = WORDS.get(value.strip().lower())
    if chosen is None:
        raise ConsentError("bad_value", value=value, choices=", ".join(POSITIONINGS))
    return chosen


def _adopt(_session: Session, alliance: Alliance, decision: Decision) -> None:
    """The adopted positioning is the alliance's from now on; the next planning uses it."""
    alliance.positioning = decision.value
    alliance.updated_at = utcnow()


def describe(texts: Texts, value: str) -> str:
    return texts.gettext(VALUE_NAMES[value]) if value in VALUE_NAMES else value


POSITIONING = ConsentKind(
    DecisionKind.POSITIONING,
    _("the positioning"),
    check=_check,
    current=lambda _session, alliance: alliance.positioning,
    adopt=_adopt,
    describe=describe,
)
register_kind(POSITIONING)
