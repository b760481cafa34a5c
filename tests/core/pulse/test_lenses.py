"""Lens statements in the results: each lens under the same anonymity rules among those who
answered it, the change per lens, the profile's weak lens, the lens panel of the chart."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.kernel import Texts
from bot.core.pulse.chart import trend_chart
from bot.core.pulse.export import report_json
from bot.core.pulse.lenses import dropped_lenses, lens_changes, lens_profile
from bot.core.pulse.questions import conversation_questions, lens_check_questions, lens_of
from bot.core.pulse.results import (
    Response,
    RoundResult,
    Structure,
    aggregate,
    smallest_exposed,
)
from bot.core.pulse.table import lens_summary
from bot.render.chart import draw_chart

NS = Structure.of({"n": "Noord", "z": "Zuid"}, name="Samen")
START = datetime(2026, 1, 5, 9, tzinfo=UTC)


def _answer(region: str, ambition: int | None, process: int = 3) -> Response:
    lenses = [("process", process * 2, 2)]
    if ambition is not None:
        lenses.append(("ambition", ambition * 2, 2))
    return Response(region, None, 3, 3, tuple(sorted(lenses)))


def _round(number: int, answers: list[Response]) -> RoundResult:
    opened = START + timedelta(days=14 * number)
    return RoundResult(number, opened, opened + timedelta(days=5), tuple(aggregate(answers, NS, 3)))


def test_the_lens_check_asks_two_statements_per_lens_in_both_languages() -> None:
    questions = lens_check_questions()
    assert len(questions) == 10
    assert [lens_of(q.key) for q in questions][::2] == [
        "ambition",
        "interests",
        "relationship",
        "organisation",
        "process",
    ]
    assert all(q.text["nl"] and q.text["en"] and q.text["nl"] != q.text["en"] for q in questions)
    assert "Where could this break down?" in conversation_questions("interests", "en")
    assert "Waar zou dit kunnen stuklopen?" in conversation_questions("interests", "nl")


def test_a_lens_answered_by_too_few_is_hidden_also_from_subtraction() -> None:
    # Noord: 4 answered everything; Zuid: 4 answered energy, trust and process, only 2 ambition
    answers = [_answer("n", 4)] * 4 + [_answer("z", 2)] * 2 + [_answer("z", None)] * 2
    result = _round(1, answers)
    north, south = result.group("region", "n"), result.group("region", "z")
    assert north is not None and south is not None
    assert north.lens("process") == 3.0 and south.lens("process") == 3.0
    # two people in Zuid answered ambition: below k; the alliance's ambition minus Noord's
    # would give those two away, so ambition is hidden for Noord as well, and only the
    # alliance's (six people) is shown
    assert south.lens("ambition") is None and north.lens("ambition") is None
    whole_group = result.group("alliance", "alliance")
    assert whole_group is not None and whole_group.lens("ambition") == 3.3  # 40 / 12
    whole = report_json([result])["rounds"][0]["groups"][0]
    assert set(whole["lenses"]) == {
        "ambition",
        "interests",
        "relationship",
        "organisation",
        "process",
    }
    assert whole["lenses"]["interests"] is None  # not asked


def test_changes_profile_and_chart() -> None:
    first = _round(1, [_answer("n", 4, 4)] * 3 + [_answer("z", 4, 4)] * 3)
    second = _round(2, [_answer("n", 4, 2)] * 3 + [_answer("z", 4, 2)] * 3)
    changes = lens_changes([first, second])
    assert changes[(2, "alliance", "alliance")]["process"] == -2.0
    assert changes[(1, "alliance", "alliance")]["process"] is None
    profile = lens_profile(second)
    assert profile is not None and profile.weak == ("process",)
    assert lens_summary(Texts("nl"), second) == "ambitie 4,0, proces 2,0"
    chart = trend_chart([first, second], NS, language="en", title="Samen", alt="x")
    assert [p.title for p in chart.panels][-1] == "The five lenses (alliance)"
    lines = {line.label: line.values for line in chart.panels[-1].series}
    assert lines["Process"] == (4.0, 2.0) and lines["Interests"] == (None, None)
    assert draw_chart(chart)[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_lens_that_drops_in_the_regular_rounds_is_found_a_steady_one_is_not() -> None:
    def showing(number: int, process: int) -> RoundResult:
        return _round(number, [_answer("n", None, process)] * 5 + [_answer("z", None, process)] * 5)

    steady = [showing(i, 4) for i in range(1, 8)]
    assert dropped_lenses(steady) == ()
    fallen = [showing(i, 4) for i in range(1, 7)] + [showing(7, 2)]
    assert dropped_lenses(fallen) == ("process",)


REGIONS4 = Structure.of(
    {"a": "A", "b": "B", "c": "C", "d": "D"}, {"p": "P", "q": "Q", "r": "R"}, name="S"
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d", None]),
            st.sampled_from(["p", "q", "r", None]),
            st.booleans(),  # answered the ambition statements
            st.integers(1, 5),
        ),
        max_size=40,
    ),
    st.integers(2, 5),
)
def test_no_lens_figure_singles_anyone_out(
    people: list[tuple[str | None, str | None, bool, int]], k: int
) -> None:
    """Whatever who answered which lens: every published lens figure is over >= k people who
    answered it, and no combination of them (subtraction across regions and partners)
    narrows down to 1..k-1 of them."""
    answers = [
        Response(region, partner, 3, 3, (("ambition", 2 * value, 2),) if lens else ())
        for region, partner, lens, value in people
    ]
    groups = aggregate(answers, REGIONS4, k)
    with_lens = {(g.level, g.key) for g in groups if g.lens("ambition") is not None}
    if not with_lens:
        return
    subset = [r for r in answers if r.lenses]
    assert ("alliance", "alliance") in with_lens and len(subset) >= k
    regions = {key for level, key in with_lens if level == "region"}
    partners = {key for level, key in with_lens if level == "partner"}
    for key in regions:
        assert sum(r.region == key for r in subset) >= k
    for key in partners:
        assert sum(r.partner == key for r in subset) >= k
    cells = Counter(
        (r.region if r.region in regions else None, r.partner if r.partner in partners else None)
        for r in subset
    )
    assert smallest_exposed(cells, k) is None
