"""Drawing the core's neutral charts as PNG pictures.

Made for a phone: 6 x 8 inches at 120 dpi (720 x 960 px), the panels stacked with the y
axis fixed to the chart's scale so rounds and groups compare at a glance, big fonts; an
emphasised line is black and thick and carries its "n=…" at each point, the others take
the palette's colours in order. The x axis is days since the first date, so the spacing
stays true when a round was skipped.

Matplotlib is imported inside the functions and used through `Figure` and
`FigureCanvasAgg` directly, never pyplot: pyplot keeps global state and is not
thread-safe, and importing matplotlib only when a chart is drawn keeps the CLI and the chat
quick to start.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.core.kernel import Chart, Image, Panel, Reply, Series
from bot.core.pulse import RoundResult, Structure, trend_chart

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

SIZE_INCHES = (6.0, 8.0)
DPI = 120
MAX_TICKS = 6


def draw_chart(chart: Chart) -> bytes:
    """The PNG of `chart`."""
    buffer = io.BytesIO()
    chart_figure(chart).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def as_image(picture: Image | Chart) -> Image:
    """What a platform can send: a chart is drawn now, a picture stays as it is."""
    if isinstance(picture, Image):
        return picture
    return Image(draw_chart(picture), picture.alt, filename=picture.filename)


def drawn(reply: Reply) -> Reply:
    """The reply with its chart drawn, once, before it is rendered and sent."""
    if reply.image is None or isinstance(reply.image, Image):
        return reply
    return replace(reply, image=as_image(reply.image))


def chart_figure(chart: Chart) -> Figure:
    """The chart as a matplotlib `Figure` on an Agg canvas (for the PNG, and for tests)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(chart.title, fontsize=17, fontweight="bold")
    axes = figure.subplots(len(chart.panels), 1, sharex=True, squeeze=False)[:, 0]
    x = [float((day - chart.dates[0]).days) for day in chart.dates]  # days since the first
    for ax, panel in zip(axes, chart.panels, strict=True):
        _panel(ax, panel, chart, x)
    if not chart.empty:
        _date_axis(axes[-1], chart.dates, chart.language)
        handles, labels = axes[0].get_legend_handles_labels()
        figure.legend(
            handles, labels, loc="outside lower center", ncols=2, fontsize=11, frameon=False
        )
        axes[-1].set_xlabel(chart.note, fontsize=9, color="0.35")
    return figure


def _panel(ax: Axes, panel: Panel, chart: Chart, x: list[float]) -> None:
    ax.set_title(panel.title, fontsize=15, loc="left")
    ax.set_ylim(min(chart.scale) - 0.3, max(chart.scale) + 0.3)
    ax.set_yticks(list(chart.scale))
    ax.tick_params(labelsize=12)
    ax.grid(axis="y", alpha=0.3)
    if chart.empty:
        ax.text(
            0.5,
            0.5,
            chart.empty_text,
            ha="center",
            va="center",
            fontsize=16,
            color="0.4",
            transform=ax.transAxes,
        )
        ax.set_xticks([])
        return
    colour = 0
    for line in panel.series:
        if not line.emphasis:
            colour += 1
        _line(ax, line, x, "black" if line.emphasis else f"C{(colour - 1) % 10}")


def _line(ax: Axes, line: Series, x: list[float], colour: str) -> None:
    values = [math.nan if v is None else v for v in line.values]
    ax.plot(
        x,
        values,
        marker="o",
        markersize=7 if line.emphasis else 5,
        linewidth=3.2 if line.emphasis else 1.8,
        color=colour,
        label=line.label,
        zorder=3 if line.emphasis else 2,
    )
    for xi, value, n in zip(x, values, line.counts, strict=False):
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


def _date_axis(ax: Axes, days: Sequence[date], language: str) -> None:
    """Ticks at (at most `MAX_TICKS` of) the dates, in the reader's language."""
    step = max(1, math.ceil(len(days) / MAX_TICKS))
    ticks = list(days[::-1][::step])[::-1]  # always label the newest
    ax.set_xticks(
        [float((day - days[0]).days) for day in ticks],
        [format_date(day, "d MMM", locale=language) for day in ticks],
    )
    ax.set_xlim(-7.0, (days[-1] - days[0]).days + 7.0)


def trend_figure(
    rounds: Sequence[RoundResult], structure: Structure, *, language: str, title: str
) -> Figure:
    """The pulse trend chart's figure, straight from round results (reports, tests)."""
    return chart_figure(trend_chart(rounds, structure, language=language, title=title, alt=""))


def render_trend_chart(
    rounds: Sequence[RoundResult], structure: Structure, *, language: str, title: str
) -> bytes:
    """The pulse trend chart's PNG (`alliancebot pulse report --chart`)."""
    return draw_chart(trend_chart(rounds, structure, language=language, title=title, alt=""))
