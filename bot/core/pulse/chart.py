"""The pulse trend chart: energy and trust per region, and the alliance, over rounds (PNG).

Drawn only from shown `RoundResult`s, so a hidden group is a gap (NaN), never a value: the
chart cannot show more than `pulse report` does. `chart_series` is the data the chart
plots, separate from the drawing so tests can check exactly what would be drawn.

Made for a phone: 6 x 8 inches at 120 dpi (720 x 960 px), two panels stacked (energy on
top, trust below) with the y axis fixed at 1-5 so rounds and groups compare at a glance,
big fonts, and "n=…" at the alliance's points. Regions carry their latest n in the legend
rather than at every point, which would bury the lines in numbers.

Matplotlib is imported inside `render_trend_chart` and used through `Figure` and
`FigureCanvasAgg` directly, never pyplot: pyplot keeps global state and is not
thread-safe, and importing matplotlib only when a chart is drawn keeps the CLI and the chat
quick to start.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.core.kernel import normalise_language
from bot.core.pulse.results import ALLIANCE_KEY, Level, RoundResult, Structure, ordered

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE_INCHES = (6.0, 8.0)
DPI = 120
MAX_TICKS = 6

# The chart's few words; they move into the message catalogs later.
WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "energy": "Energie",
        "trust": "Vertrouwen",
        "alliance": "Alliantie",
        "respondents": "respondenten",
        "no_results": "Nog geen resultaten",
        "gap": "geen punt: te weinig respondenten om te tonen",
    },
    "en": {
        "energy": "Energy",
        "trust": "Trust",
        "alliance": "Alliance",
        "respondents": "respondents",
        "no_results": "No results yet",
        "gap": "no point: too few respondents to show",
    },
}


@dataclass(frozen=True)
class Series:
    """One line: a group's shown means per round (NaN where hidden) and its respondents."""

    level: Level
    key: str
    name: str
    energy: tuple[float, ...]
    trust: tuple[float, ...]
    respondents: tuple[int | None, ...]  # None where hidden

    @property
    def latest_respondents(self) -> int | None:
        return next((n for n in reversed(self.respondents) if n is not None), None)


@dataclass(frozen=True)
class ChartData:
    dates: tuple[date, ...]  # the rounds' opening days, oldest first
    series: tuple[Series, ...]  # the alliance first, then regions shown at least once

    @property
    def empty(self) -> bool:
        return not self.series


def chart_series(rounds: Sequence[RoundResult], structure: Structure) -> ChartData:
    """What the chart plots: the alliance line and each region shown in at least one round.

    Regions follow the structure's order; a region no longer in the structure but shown
    in an old round comes after them, with the name it had then. Partners are not plotted:
    the chart answers "where in the country", the report lists partners.
    """
    series_rounds = ordered(rounds)
    keys: list[tuple[Level, str]] = [("alliance", ALLIANCE_KEY)]
    keys += [("region", key) for key, _ in structure.regions]
    keys += [(g.level, g.key) for r in series_rounds for g in r.groups if g.level == "region"]
    lines: list[Series] = []
    for level, key in dict.fromkeys(keys):
        shown = [r.group(level, key) for r in series_rounds]
        names = [g.name for g in shown if g is not None]
        if not names:
            continue
        lines.append(
            Series(
                level,
                key,
                names[-1],
                tuple(g.energy if g else math.nan for g in shown),
                tuple(g.trust if g else math.nan for g in shown),
                tuple(g.respondents if g else None for g in shown),
            )
        )
    return ChartData(tuple(r.opened_at.date() for r in series_rounds), tuple(lines))


def render_trend_chart(
    rounds: Sequence[RoundResult], structure: Structure, *, language: str, title: str
) -> bytes:
    """The PNG: two stacked panels (energy, trust), y 1-5, x the rounds' dates."""
    figure = trend_figure(rounds, structure, language=language, title=title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def trend_figure(
    rounds: Sequence[RoundResult], structure: Structure, *, language: str, title: str
) -> Figure:
    """The chart as a matplotlib `Figure` on an Agg canvas (for the PNG, and for tests)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    language = normalise_language(language)
    words = WORDS[language]
    data = chart_series(rounds, structure)
    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(title, fontsize=17, fontweight="bold")
    axes = figure.subplots(2, 1, sharex=True)
    x = [float((day - data.dates[0]).days) for day in data.dates]  # days since the first
    for ax, measure in zip(axes, ("energy", "trust"), strict=True):
        ax.set_title(words[measure], fontsize=15, loc="left")
        ax.set_ylim(0.7, 5.3)
        ax.set_yticks([1, 2, 3, 4, 5])
        ax.tick_params(labelsize=12)
        ax.grid(axis="y", alpha=0.3)
        if data.empty:
            ax.text(
                0.5,
                0.5,
                words["no_results"],
                ha="center",
                va="center",
                fontsize=16,
                color="0.4",
                transform=ax.transAxes,
            )
            ax.set_xticks([])
            continue
        for index, line in enumerate(data.series):
            values = line.energy if measure == "energy" else line.trust
            alliance = line.level == "alliance"
            latest = line.latest_respondents
            label = words["alliance"] if alliance else f"{line.name} (n={latest})"
            ax.plot(
                x,
                values,
                marker="o",
                markersize=7 if alliance else 5,
                linewidth=3.2 if alliance else 1.8,
                color="black" if alliance else f"C{(index - 1) % 10}",
                label=label,
                zorder=3 if alliance else 2,
            )
            if alliance:
                for xi, value, n in zip(x, values, line.respondents, strict=True):
                    if n is not None:
                        ax.annotate(
                            f"n={n}",
                            (xi, value),
                            textcoords="offset points",
                            xytext=(0, -16),
                            ha="center",
                            fontsize=9,
                            color="0.25",
                            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none"},
                        )
    if not data.empty:
        _date_axis(axes[1], data.dates, language)
        handles, labels = axes[0].get_legend_handles_labels()
        figure.legend(
            handles, labels, loc="outside lower center", ncols=2, fontsize=11, frameon=False
        )
        note = f"n = {words['respondents']}; {words['gap']}"
        axes[1].set_xlabel(note, fontsize=9, color="0.35")
    return figure


def _date_axis(ax: Axes, days: Sequence[date], language: str) -> None:
    """Ticks at (at most `MAX_TICKS` of) the rounds' dates, in the reader's language.

    x is days since the first round, so the spacing stays true when a round was skipped.
    """
    step = max(1, math.ceil(len(days) / MAX_TICKS))
    ticks = list(days[::-1][::step])[::-1]  # always label the newest round
    ax.set_xticks(
        [float((day - days[0]).days) for day in ticks],
        [format_date(day, "d MMM", locale=language) for day in ticks],
    )
    ax.set_xlim(-7.0, (days[-1] - days[0]).days + 7.0)
