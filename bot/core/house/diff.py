"""What changed between two versions of the house, in words an adviser can check quickly.

Pillars are matched by title first (a pillar that moved is the same pillar), then by
position (a pillar whose title changed at the same place is the same pillar, renamed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.core.house.content import HouseContent, PillarContent

ChangeKind = Literal[
    "roof",
    "pillar_added",
    "pillar_removed",
    "pillar_renamed",
    "message",
    "proof_added",
    "proof_removed",
]


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    pillar: str  # the pillar's (new) title; "" for the roof
    old: str = ""
    new: str = ""

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "pillar": self.pillar, "old": self.old, "new": self.new}


def _pairs(
    old: tuple[PillarContent, ...], new: tuple[PillarContent, ...]
) -> tuple[list[tuple[PillarContent, PillarContent]], list[PillarContent], list[PillarContent]]:
    pairs: list[tuple[PillarContent, PillarContent]] = []
    old_left, new_left = list(old), list(new)
    for pillar in list(new_left):
        match = next((o for o in old_left if o.title == pillar.title), None)
        if match is not None:
            pairs.append((match, pillar))
            old_left.remove(match)
            new_left.remove(pillar)
    for pillar in list(new_left):
        position = new.index(pillar)
        match = next((o for o in old_left if old.index(o) == position), None)
        if match is not None:
            pairs.append((match, pillar))
            old_left.remove(match)
            new_left.remove(pillar)
    pairs.sort(key=lambda pair: new.index(pair[1]))
    return pairs, old_left, new_left


def diff_houses(old: HouseContent, new: HouseContent) -> list[Change]:
    changes: list[Change] = []
    if old.roof != new.roof:
        changes.append(Change("roof", "", old.roof, new.roof))
    pairs, removed, added = _pairs(old.pillars, new.pillars)
    for before, after in pairs:
        if before.title != after.title:
            changes.append(Change("pillar_renamed", after.title, before.title, after.title))
        if before.message != after.message:
            changes.append(Change("message", after.title, before.message, after.message))
        changes.extend(
            Change("proof_removed", after.title, old=p)
            for p in before.proof
            if p not in after.proof
        )
        changes.extend(
            Change("proof_added", after.title, new=p) for p in after.proof if p not in before.proof
        )
    changes.extend(Change("pillar_removed", p.title, old=p.title) for p in removed)
    changes.extend(Change("pillar_added", p.title, new=p.message) for p in added)
    return changes
