"""A chart as data survives the outbox: JSON there and back, gaps staying gaps."""

from __future__ import annotations

import json
import math
from datetime import date

from bot.core.kernel.charts import Chart, Panel, Series


def test_a_chart_goes_through_json_unchanged_and_gaps_stay_gaps() -> None:
    chart = Chart(
        title="Samen",
        language="nl",
        dates=(date(2026, 1, 5), date(2026, 1, 19)),
        panels=(
            Panel(
                "Energie",
                (
                    Series("Alliantie", (3.5, None), counts=(12, None), emphasis=True),
                    Series("Noord (n=6)", (math.nan, 4.0)),
                ),
            ),
        ),
        alt="Energie per regio",
        empty_text="Nog geen resultaten",
        note="n = respondenten",
        filename="pulse-report.png",
    )
    stored = json.loads(json.dumps(chart.to_json()))  # what a JSON column gives back
    back = Chart.from_json(stored)
    assert back.panels[0].series[1].values == (None, 4.0)  # NaN is no JSON: a gap
    assert back.panels[0].series[0] == chart.panels[0].series[0]
    assert (back.title, back.dates, back.alt, back.filename) == (
        chart.title,
        chart.dates,
        chart.alt,
        chart.filename,
    )
    assert not back.empty and Chart("t", "nl", (), (), alt="").empty
