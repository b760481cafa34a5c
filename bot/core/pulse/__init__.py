"""pulse: TODO docstring."""

from __future__ import annotations

from bot.core.pulse.chart import render_trend_chart
from bot.core.pulse.handlers import (
    continue_open_answer,
    handle_pulse,
    press_change,
    press_pulse_answer,
)
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound
from bot.core.pulse.report import (
    close_round,
    closed_rounds,
    results_reply,
    round_results,
    structure_of,
)
from bot.core.pulse.results import report_csv, report_json
from bot.core.pulse.rounds import ANSWER_VERB, CHANGE_VERB, open_round, open_round_of

__all__ = [
    "ANSWER_VERB",
    "CHANGE_VERB",
    "PulseAnswer",
    "PulseQuestion",
    "PulseRound",
    "close_round",
    "closed_rounds",
    "continue_open_answer",
    "handle_pulse",
    "open_round",
    "open_round_of",
    "press_change",
    "press_pulse_answer",
    "render_trend_chart",
    "report_csv",
    "report_json",
    "results_reply",
    "round_results",
    "structure_of",
]
