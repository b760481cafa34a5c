"""The pulse trend chart: what it plots (gaps for hidden groups) and the PNG it renders."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime, timedelta

import pytest
from matplotlib.text import Text
from PIL import Image

from bot.core.pulse.chart import (
    DPI,
    SIZE_INCHES,
    WORDS,
    chart_series,
    render_trend_chart,
    trend_figure,
)
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


# --- the PNG ------------------------------------------------------------------------------------

WIDTH, HEIGHT = round(SIZE_INCHES[0] * DPI), round(SIZE_INCHES[1] * DPI)


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("count", [0, 1, 10])
def test_the_chart_is_a_readable_png(language: str, count: int) -> None:
    png = render_trend_chart(many_rounds(count), STRUCTURE, language=language, title="Pulse")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (WIDTH, HEIGHT) == (720, 960)
    assert len(png) > 10_000
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 50  # None: more colours than that
    assert any(low != high for low, high in image.convert("RGB").getextrema())


@pytest.mark.parametrize("language", ["nl", "en", "nl-BE", "fr"])
def test_the_labels_are_in_the_readers_language(language: str) -> None:
    figure = trend_figure(many_rounds(3), STRUCTURE, language=language, title="Puls")
    texts = " ".join(t.get_text() for t in figure.findobj(Text))
    words = WORDS["en" if language == "en" else "nl"]  # unknown languages: Dutch first
    for key in ("energy", "trust", "alliance", "respondents"):
        assert words[key] in texts
    assert "n=" in texts and "Noord (n=6)" in texts
    empty = trend_figure([], STRUCTURE, language=language, title="Puls")
    assert words["no_results"] in " ".join(t.get_text() for t in empty.findobj(Text))


def test_both_languages_have_the_same_words() -> None:
    assert WORDS["nl"].keys() == WORDS["en"].keys()
    assert (WORDS["nl"]["energy"], WORDS["nl"]["trust"]) == ("Energie", "Vertrouwen")


def test_the_y_axis_is_the_answer_scale() -> None:
    figure = trend_figure(many_rounds(2), STRUCTURE, language="en", title="Pulse")
    energy, trust = figure.axes[:2]
    for ax in (energy, trust):
        low, high = ax.get_ylim()
        assert low < 1 and high > 5
        assert list(ax.get_yticks()) == [1, 2, 3, 4, 5]
