"""Proposals typed in a chat: labelled lines in English or Dutch, never evaluated."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.house.content import HouseContent, PillarContent
from bot.core.house.format import FormatError, format_house, parse_proposal

CURRENT = HouseContent(
    "Samen langer thuis.",
    (
        PillarContent("Een huis dat past", "Bouwen voor de levensloop.", ("1.200 woningen",)),
        PillarContent("Zorg dichtbij", "Hulp in de wijk.", ("Vier wijkzorgpunten",)),
    ),
)


def test_dutch_lines_change_only_what_they_name() -> None:
    parsed = parse_proposal("reden: nieuwe cijfers // pijler: Zorg dichtbij | Hulp om de hoek.")
    assert parsed.reason == "nieuwe cijfers"
    content = parsed.content(CURRENT)
    assert content.roof == CURRENT.roof
    assert content.pillars[0] == CURRENT.pillars[0]
    assert content.pillars[1] == PillarContent(
        "Zorg dichtbij", "Hulp om de hoek.", ("Vier wijkzorgpunten",)
    )


def test_english_lines_newlines_and_proof_replace_a_pillars_proof() -> None:
    text = (
        "reason: x\nroof: New roof\npillar: Een huis dat past | Same.\n"
        "proof: 1.300 woningen\n- 85 coaches"
    )
    content = parse_proposal(text).content(CURRENT)
    assert content.roof == "New roof"
    assert content.pillars[0].proof == ("1.300 woningen", "85 coaches")


def test_new_pillars_are_added_and_weg_removes_one() -> None:
    text = (
        "reden: x // weg: Zorg dichtbij // pijler: Mantelzorg | Zorg voor wie zorgt."
        " // bewijs: 1 op 4"
    )
    content = parse_proposal(text).content(CURRENT)
    assert [p.title for p in content.pillars] == ["Een huis dat past", "Mantelzorg"]
    assert content.pillars[1].proof == ("1 op 4",)


def test_replace_flag() -> None:
    assert parse_proposal("vervang // reden: x").replace is True
    assert parse_proposal("reden: x").replace is False


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("reden: x // dakje: y", "unknown_line"),
        ("reden: x // pijler: zonder streep", "pillar_shape"),
        ("reden: x // pijler: | alleen boodschap", "pillar_shape"),
        ("reden: x // bewijs: los", "proof_without_pillar"),
        ("reden: x // dak:   ", "empty_or_long"),
        ("reden: x // dak: " + "x" * 1001, "empty_or_long"),
        ("{{ 7*7 }}", "unknown_line"),
    ],
)
def test_lines_that_cannot_be_read_are_named(text: str, code: str) -> None:
    with pytest.raises(FormatError) as error:
        parse_proposal(text).content(CURRENT)
    assert error.value.code == code


def test_content_level_problems() -> None:
    with pytest.raises(FormatError, match="unknown_pillar"):
        parse_proposal("weg: Bestaat niet").content(CURRENT)
    with pytest.raises(FormatError, match="no_roof"):
        parse_proposal("pijler: A | b").content(None)
    six = " // ".join(f"pijler: P{i} | m" for i in range(4))
    with pytest.raises(FormatError, match="too_many_pillars"):
        parse_proposal(six).content(CURRENT)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_editable_form_reads_back_as_the_same_house(language: str) -> None:
    assert parse_proposal(format_house(CURRENT, language)).content(None) == CURRENT


@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_with_a_format_error(text: str) -> None:
    with contextlib.suppress(FormatError):
        parse_proposal(text).content(CURRENT)
