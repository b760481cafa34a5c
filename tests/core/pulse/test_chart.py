"""The pulse trend chart: what it plots (gaps for hidden groups), in the reader's words."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from bot.core.pulse.chart import chart_series
from bot.core.pulse.results import GroupResult, Response, RoundResult, Structure, aggregate

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
STRUCTURE = Structure.of(
    {"noord": "Noord", "oost": "Oost", "zuid": "Zuid"}, {"p": "P", "q": "Q"}, name="Samen"
)


def round_of(number: int, groups: list[GroupResult]) -> RoundResult:
    opened = START + timedelta(days=14 * (number - 1))
    return RoundResult(number, opened, opened + timedelta(days=5), tuple(groups))


def many_rounds(count: int = 10) -> list[RoundResult]:
    """Noord is hidden in round 4 (two answers), Zuid is never shown."""
    rounds = []
    for number in range(1, count + 1):
        answers = [
            Response(
                "noord" if number != 4 or j < 2 else None,
                "pq"[j % 2],
                1 + (j + number) % 5,
                1 + (2 * j + number) % 5,
            )
            for j in range(6)
        ]
        answers += [Response("oost", "pq"[j % 2], 4, 3 + j % 2) for j in range(5)]
        answers += [Response("zuid", None, 2, 2)]
        rounds.append(round_of(number, aggregate(answers, STRUCTURE, 3)))
    return rounds


# --- the plotted data ---------------------------------------------------------------------------


def test_hidden_groups_are_gaps_and_never_values() -> None:
    rounds = many_rounds()
    data = chart_series(rounds[::-1], STRUCTURE)  # any order in, oldest first out
    assert data.dates == tuple(r.opened_at.date() for r in rounds)
    assert [(s.level, s.key) for s in data.series] == [
        ("alliance", "alliance"),
        ("region", "noord"),
        ("region", "oost"),
    ]  # Zuid (one answer) is never shown, so it is not drawn at all; partners are not drawn
    noord = data.series[1]
    assert math.isnan(noord.energy[3]) and math.isnan(noord.trust[3])
    assert noord.respondents[3] is None
    for line in data.series:
        for i, r in enumerate(rounds):
            g = r.group(line.level, line.key)
            if g is None:
                assert math.isnan(line.energy[i]) and line.respondents[i] is None
            else:
                assert (line.energy[i], line.trust[i], line.respondents[i]) == (
                    g.energy,
                    g.trust,
                    g.respondents,
                )
    assert noord.latest_respondents == 6


def test_a_region_gone_from_the_structure_keeps_its_history() -> None:
    old = round_of(
        1,
        [
            GroupResult("alliance", "alliance", "", 9, 3.0, 3.0),
            GroupResult("region", "west", "West", 4, 3.5, 3.0),
        ],
    )
    data = chart_series([old], STRUCTURE)
    assert [(s.key, s.name) for s in data.series] == [("alliance", ""), ("west", "West")]


def test_no_rounds_no_series() -> None:
    data = chart_series([], STRUCTURE)
    assert data.empty and data.dates == ()
