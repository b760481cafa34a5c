"""pulse: TODO docstring."""

# face: FEATURE
from __future__ import annotations

from bot.core.pulse.chart import render_trend_chart
from bot.core.pulse.commands import FEATURE
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound
from bot.core.pulse.report import (
    close_round,
    closed_rounds,
    results_reply,
    round_results,
    structure_of,
)
from bot.core.pulse.results import report_csv, report_json
from bot.core.pulse.rounds import open_round, open_round_of

__all__ = [
    "FEATURE",
    "PulseAnswer",
    "PulseQuestion",
    "PulseRound",
    "close_round",
    "closed_rounds",
    "open_round",
    "open_round_of",
    "render_trend_chart",
    "report_csv",
    "report_json",
    "results_reply",
    "round_results",
    "structure_of",
]
