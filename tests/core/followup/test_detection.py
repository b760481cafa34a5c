"""Follow-up flag explanations: the numbers behind the flag, in the reader's language."""

from __future__ import annotations

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
    dutch = explain(Texts("nl"), group)
    assert dutch == (
        "Waterschap: 9 van de 11 afspraken op tijd vóór 2 maart 2026, 2 van de 7 sindsdien;"
        " 3 staan nog open na hun datum."
    )
    # unanswered check-ins never reach a shared view: only the private notice tells them
    assert "check-in" not in dutch


def test_pseudo_cooperation_and_no_unanswered_check_ins() -> None:
    group = GroupFlag("region", "west", "West-Betuwe", _flag("pseudo_cooperation"))
    english = explain(Texts("en"), group)
    assert english.startswith("West-Betuwe keeps making agreements, but fewer are done on time")
    assert "check-in" not in english
    assert "blijft afspraken maken" in explain(Texts("nl"), group)
