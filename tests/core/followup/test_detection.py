"""Follow-up flag explanations: the numbers behind the flag, in the reader's language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from bot.core.followup.decline import Flag
from bot.core.followup.detection import GroupFlag, explain
from bot.core.followup.measures import Measures
from bot.core.kernel.texts import Texts


def _flag(kind: str = "declining_follow_up") -> Flag:
    return Flag(
        kind=kind,  # type: ignore[arg-type]
        since=date(2026, 3, 2),
        as_of=date(2026, 5, 1),
        baseline_from=date(2025, 9, 1),
        before_on_time=9,
        before_due=11,
        after_on_time=2,
        after_due=7,
        after_open=3,
        made_before=12,
        made_recently=8,
        p_value=0.01,
    )


def test_the_explanation_says_the_numbers_in_dutch_and_in_english() -> None:
    group = GroupFlag(
        "partner", "waterschap", "Waterschap", _flag(), Measures(checkins_unanswered=3)
    )
    assert explain(Texts("en"), group) == (
        "Waterschap: 9 of 11 agreements on time before 2 March 2026, 2 of 7 since;"
        " 3 still open past their date."
    )
    assert explain(Texts("nl"), group) == (
        "Waterschap: 9 van de 11 afspraken op tijd vóór 2 maart 2026, 2 van de 7 sindsdien;"
        " 3 staan nog open na hun datum."
    )


def test_the_bots_own_unanswered_check_ins_are_not_held_against_the_partner() -> None:
    """The explanation is read by every adviser; the count stays in the numbers only."""
    group = GroupFlag("partner", "w", "Waterschap", _flag(), Measures(checkins_unanswered=3))
    for language in ("en", "nl"):
        assert "check-in" not in explain(Texts(language), group)
    assert group.to_json(Texts("en"))["numbers"]["recent"]["checkins_unanswered"] == 3


def test_pseudo_cooperation_points_back_to_the_shared_ambition_and_interests() -> None:
    flag = replace(_flag("pseudo_cooperation"), partners_falling=4, partners_counted=6)
    group = GroupFlag("alliance", "alliance", "Deltaplan Wonen", flag)
    english = explain(Texts("en"), group)
    assert english.startswith("Deltaplan Wonen keeps making agreements (8 since 2 March 2026,")
    assert "4 of 6 partners do fewer on time" in english
    assert "shared ambition" in english and "interests" in english
    dutch = explain(Texts("nl"), group)
    assert "4 van de 6 partners" in dutch
    assert "schijnsamenwerking" in dutch and "gedeelde ambitie" in dutch and "belangen" in dutch
