"""A chart described, not drawn: what a line chart shows, in words and numbers.

The core decides what may be shown (a hidden group is a gap, never a value) and in which
language; drawing is the renderers' business (`bot.render.chart`), so the core never
imports a plotting library. The description is small, plain data, so an unsolicited
message can keep it in the outbox as JSON and the worker draws it when it sends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Series:
    """One line: a value per date (None where there is no point) and, for an emphasised
    line, the number of people behind each point."""

    label: str
    values: tuple[float | None, ...]
    counts: tuple[int | None, ...] = ()
    emphasis: bool = False


@dataclass(frozen=True)
class Panel:
    title: str
    series: tuple[Series, ...]


@dataclass(frozen=True)
class Chart:
    """Panels stacked over one time axis (`dates`, oldest first), on a fixed scale."""

    title: str
    language: str
    dates: tuple[date, ...]
    panels: tuple[Panel, ...]
    alt: str  # the words that stand in for the picture where it cannot go
    empty_text: str = ""  # shown in each panel when there is nothing to draw
    note: str = ""  # small print under the last panel
    scale: tuple[int, ...] = (1, 2, 3, 4, 5)
    filename: str = "chart.png"

    @property
    def empty(self) -> bool:
        return not self.dates or not any(p.series for p in self.panels)

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "language": self.language,
            "dates": [d.isoformat() for d in self.dates],
            "panels": [
                {"title": p.title, "series": [_series_json(s) for s in p.series]}
                for p in self.panels
            ],
            "alt": self.alt,
            "empty_text": self.empty_text,
            "note": self.note,
            "scale": list(self.scale),
            "filename": self.filename,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chart:
        return cls(
            title=str(data["title"]),
            language=str(data["language"]),
            dates=tuple(date.fromisoformat(d) for d in data["dates"]),
            panels=tuple(
                Panel(str(p["title"]), tuple(_series_from(s) for s in p["series"]))
                for p in data["panels"]
            ),
            alt=str(data.get("alt", "")),
            empty_text=str(data.get("empty_text", "")),
            note=str(data.get("note", "")),
            scale=tuple(int(v) for v in data.get("scale", (1, 2, 3, 4, 5))),
            filename=str(data.get("filename", "chart.png")),
        )


def _series_json(series: Series) -> dict[str, Any]:
    return {
        "label": series.label,
        # JSON has no NaN: a gap is null
        "values": [None if v is None or math.isnan(v) else v for v in series.values],
        "counts": list(series.counts),
        "emphasis": series.emphasis,
    }


def _series_from(data: dict[str, Any]) -> Series:
    return Series(
        label=str(data["label"]),
        values=tuple(None if v is None else float(v) for v in data["values"]),
        counts=tuple(None if n is None else int(n) for n in data.get("counts", ())),
        emphasis=bool(data.get("emphasis", False)),
    )
