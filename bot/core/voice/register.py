"""The spokespeople register: who speaks on which topic, for which organisation.

"Who speaks for the alliance?" is a question the coalition answers together; the register
is where the answer lives, kept by the coordinators. A press quote asks it for the voice of
the organisation that speaks (the alliance when monolithic, else the partner) on its
pillar, so no quote ever goes out with "[naam, functie]" in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from bot.core.kernel import Alliance, Partner, Person, coordinators
from bot.core.voice.models import Spokesperson

ALLIANCE_WORDS = frozenset({"", "alliance", "alliantie", "-"})
MAX_NAME = 120


class VoiceError(ValueError):
    """A register entry that cannot be made; `code` says which problem (texts name it)."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Speaker:
    """A spokesperson as a snippet needs it: plain values only (the sandbox sees these)."""

    name: str
    function: str
    organisation: str


def spokespeople(session: Session, alliance: Alliance) -> list[Spokesperson]:
    """The active register, in the order it was written."""
    return list(
        session.exec(
            select(Spokesperson)
            .where(Spokesperson.alliance_id == alliance.id, col(Spokesperson.active))
            .order_by(col(Spokesperson.id))
        ).all()
    )


def _partner(session: Session, alliance: Alliance, word: str) -> Partner | None:
    wanted = word.strip().casefold()
    if wanted in ALLIANCE_WORDS:
        return None
    for partner in session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id, col(Partner.active))
    ):
        if wanted in (partner.key.casefold(), partner.name.casefold()):
            return partner
    raise VoiceError("unknown_partner", partner=word.strip())


def add_spokesperson(
    session: Session,
    alliance: Alliance,
    by: Person | None,
    topic: str,
    name: str,
    function: str = "",
    organisation: str = "",
) -> Spokesperson:
    """Register who speaks on `topic` (a pillar's number, or a theme in words) for
    `organisation` (a partner's key or name; empty or "alliance": the alliance itself)."""
    name, function, topic = name.strip(), function.strip(), topic.strip()
    if not name or len(name) > MAX_NAME or len(function) > MAX_NAME or len(topic) > MAX_NAME:
        raise VoiceError("usage")
    partner = _partner(session, alliance, organisation)
    pillar = int(topic) if topic.isdigit() else None
    if pillar is not None and not 1 <= pillar <= 9:
        raise VoiceError("no_pillar")
    row = Spokesperson(
        alliance_id=alliance.id or 0,
        partner_id=partner.id if partner else None,
        pillar=pillar,
        theme="" if pillar is not None else topic,
        name=name,
        function=function,
        added_by_id=by.id if by else None,
    )
    session.add(row)
    session.flush()
    return row


def remove_spokesperson(session: Session, alliance: Alliance, number: int) -> Spokesperson:
    row = session.get(Spokesperson, number)
    if row is None or row.alliance_id != alliance.id or not row.active:
        raise VoiceError("unknown", id=number)
    row.active = False
    return row


def organisation_names(session: Session, alliance: Alliance) -> dict[int | None, str]:
    """Partner names by id, and the alliance's name for None (a register line's owner)."""
    names: dict[int | None, str] = {
        p.id: p.name
        for p in session.exec(select(Partner).where(Partner.alliance_id == alliance.id))
    }
    names[None] = alliance.name
    return names


def spokespeople_rows(session: Session, alliance: Alliance) -> list[dict[str, Any]]:
    """The register for `spokespeople list --json`."""
    keys = {
        p.id: p.key for p in session.exec(select(Partner).where(Partner.alliance_id == alliance.id))
    }
    names = organisation_names(session, alliance)
    return [
        {
            "id": row.id,
            "pillar": row.pillar,
            "theme": row.theme,
            "name": row.name,
            "function": row.function,
            "partner": keys.get(row.partner_id) if row.partner_id else None,
            "organisation": names.get(row.partner_id, ""),
        }
        for row in spokespeople(session, alliance)
    ]


def who_speaks(
    register: Sequence[Spokesperson],
    partner_id: int | None,
    pillar: int | None,
    organisation: str,
) -> Speaker | None:
    """The voice of `partner_id` (None: the alliance) on `pillar`: one registered for that
    pillar, else one for every topic or a theme, else nobody."""
    own = [row for row in register if row.partner_id == partner_id]
    ranked = (
        [row for row in own if pillar is not None and row.pillar == pillar]
        + [row for row in own if row.pillar is None and not row.theme]
        + [row for row in own if row.pillar is None and row.theme]
    )
    if not ranked:
        return None
    chosen = ranked[0]
    return Speaker(chosen.name, chosen.function, organisation)


def whom_to_ask(session: Session, alliance: Alliance) -> str:
    """The coordinators who keep the register, the first two by name ("" for none): a
    line in a quote, not a list of every adviser of an alliance that names no coordinator."""
    return " / ".join(person.name for person in coordinators(session, alliance.id or 0)[:2])
