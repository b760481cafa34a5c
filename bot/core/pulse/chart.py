"""The pulse trend chart: energy and trust per region, and the alliance, over rounds; and,
once lens statements were reported, a third panel with the alliance's five lenses.

Made only from shown `RoundResult`s, so a hidden group is a gap, never a value: the chart
cannot show more than `pulse report` does. `chart_series` is the data the chart plots;
`trend_chart` turns it into a neutral `Chart` in the reader's words, which the renderers
draw (`bot.render.chart`): the core never imports a plotting library.

Two panels (energy on top, trust below) on the answer scale 1-5; the alliance's line is
emphasised and carries "n=…" at its points; regions carry their latest n in their label
rather than at every point, which would bury the lines in numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.kernel import Chart, Panel, normalise_language
from bot.core.kernel import Series as Line
from bot.core.pulse.questions import LENSES
from bot.core.pulse.results import ALLIANCE_KEY, Level, RoundResult, Structure
from bot.core.pulse.trends import ordered

# The chart's few words; they move into the message catalogs later.
WORDS: dict[str, dict[str, str]] = {
    "nl": {
        "energy": "Energie",
        "trust": "Vertrouwen",
        "alliance": "Alliantie",
        "respondents": "respondenten",
        "no_results": "Nog geen resultaten",
        "gap": "geen punt: te weinig respondenten om te tonen",
        "lenses": "De vijf lenzen (alliantie)",
        "ambition": "Ambitie",
        "interests": "Belangen",
        "relationship": "Relatie",
        "organisation": "Organisatie",
        "process": "Proces",
    },
    "en": {
        "energy": "Energy",
        "trust": "Trust",
        "alliance": "Alliance",
        "respondents": "respondents",
        "no_results": "No results yet",
        "gap": "no point: too few respondents to show",
        "lenses": "The five lenses (alliance)",
        "ambition": "Ambition",
        "interests": "Interests",
        "relationship": "Relationship",
        "organisation": "Organisation",
        "process": "Process",
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


def trend_chart(
    rounds: Sequence[RoundResult], structure: Structure, *, language: str, title: str, alt: str
) -> Chart:
    """The chart to draw, in the reader's words (unknown languages: Dutch, the default)."""
    language = normalise_language(language)
    words = WORDS[language]
    data = chart_series(rounds, structure)
    panels = tuple(
        Panel(words[measure], tuple(_line(series, measure, words) for series in data.series))
        for measure in ("energy", "trust")
    ) + _lens_panel(rounds, words)
    return Chart(
        title=title,
        language=language,
        dates=data.dates,
        panels=panels,
        alt=alt,
        empty_text=words["no_results"],
        note=f"n = {words['respondents']}; {words['gap']}",
        filename="pulse-report.png",
    )


def _line(series: Series, measure: str, words: dict[str, str]) -> Line:
    values = series.energy if measure == "energy" else series.trust
    alliance = series.level == "alliance"
    label = words["alliance"] if alliance else f"{series.name} (n={series.latest_respondents})"
    return Line(
        label,
        tuple(None if math.isnan(v) else v for v in values),
        counts=series.respondents if alliance else (),
        emphasis=alliance,
    )


def _lens_panel(rounds: Sequence[RoundResult], words: dict[str, str]) -> tuple[Panel, ...]:
    """A third panel once any round showed lenses: the alliance's five lens means over the
    same rounds (a gap where a lens was not asked or not shown)."""
    wholes = [r.group("alliance", ALLIANCE_KEY) for r in ordered(rounds)]
    if not any(g is not None and g.lenses for g in wholes):
        return ()
    lines = tuple(
        Line(words[lens], tuple(g.lens(lens) if g is not None else None for g in wholes))
        for lens in LENSES
    )
    return (Panel(words["lenses"], lines),)
