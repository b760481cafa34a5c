"""The diff between two versions of the house."""

from __future__ import annotations

from bot.core.house.content import HouseContent, PillarContent
from bot.core.house.diff import diff_houses

OLD = HouseContent(
    "Samen langer thuis.",
    (
        PillarContent("Een huis dat past", "Bouwen.", ("1.200 woningen", "85 coaches")),
        PillarContent("Zorg dichtbij", "Hulp in de wijk.", ()),
        PillarContent("Buren", "Omkijken.", ()),
    ),
)


def test_identical_houses_have_no_changes() -> None:
    assert diff_houses(OLD, OLD) == []


def test_every_kind_of_change_is_named() -> None:
    new = HouseContent(
        "Samen nog langer thuis.",
        (
            PillarContent("Buren", "Omkijken.", ()),  # moved: not a change
            PillarContent(
                "Een huis dat past", "Bouwen voor later.", ("1.300 woningen", "85 coaches")
            ),
            PillarContent("Zorg om de hoek", "Hulp in de wijk.", ()),  # renamed in place? no: moved
            PillarContent("Mantelzorg", "Zorg voor wie zorgt.", ()),
        ),
    )
    changes = [(c.kind, c.pillar, c.old, c.new) for c in diff_houses(OLD, new)]
    assert ("roof", "", "Samen langer thuis.", "Samen nog langer thuis.") in changes
    assert ("message", "Een huis dat past", "Bouwen.", "Bouwen voor later.") in changes
    assert ("proof_removed", "Een huis dat past", "1.200 woningen", "") in changes
    assert ("proof_added", "Een huis dat past", "", "1.300 woningen") in changes
    assert not any(c[0] == "pillar_renamed" and c[2] == "Buren" for c in changes)
    assert ("pillar_added", "Mantelzorg", "", "Zorg voor wie zorgt.") in changes
    assert len([c for c in changes if c[0] in ("pillar_renamed", "pillar_removed")]) == 1


def test_a_title_change_in_place_is_a_rename() -> None:
    new = HouseContent(
        OLD.roof,
        (OLD.pillars[0], PillarContent("Zorg om de hoek", "Hulp in de wijk.", ()), OLD.pillars[2]),
    )
    changes = diff_houses(OLD, new)
    assert [(c.kind, c.old, c.new) for c in changes] == [
        ("pillar_renamed", "Zorg dichtbij", "Zorg om de hoek")
    ]


def test_a_removed_pillar() -> None:
    new = HouseContent(OLD.roof, OLD.pillars[:2])
    assert [(c.kind, c.pillar) for c in diff_houses(OLD, new)] == [("pillar_removed", "Buren")]
