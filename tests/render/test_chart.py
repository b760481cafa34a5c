"""The pulse trend chart drawn: a readable PNG for a phone, in the reader's language."""

from __future__ import annotations

import io

import pytest
from matplotlib.text import Text
from PIL import Image

from bot.core.pulse.chart import WORDS
from bot.render.chart import DPI, SIZE_INCHES, render_trend_chart, trend_figure
from tests.core.pulse.test_chart import STRUCTURE, many_rounds

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
