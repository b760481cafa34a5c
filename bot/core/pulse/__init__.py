"""pulse: short anonymous polls on energy, trust and the five lenses, and what they say.

The question bank, rounds (invitations, reminders, answers that can change until close),
results that never show a group below the minimum size (not even by subtraction), trends and
drop flags (raised through `attention`), the trend chart described as data, and "what we
heard" for those who answered.
"""

from __future__ import annotations

from bot.core.pulse.chart import trend_chart
from bot.core.pulse.commands import FEATURE
from bot.core.pulse.export import report_csv, report_json
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound
from bot.core.pulse.report import (
    close_round,
    closed_rounds,
    results_reply,
    round_results,
    structure_of,
    trend_chart_of,
)
from bot.core.pulse.results import RoundResult, Structure
from bot.core.pulse.rounds import open_round, open_round_of

__all__ = [
    "FEATURE",
    "PulseAnswer",
    "PulseQuestion",
    "PulseRound",
    "RoundResult",
    "Structure",
    "close_round",
    "closed_rounds",
    "open_round",
    "open_round_of",
    "report_csv",
    "report_json",
    "results_reply",
    "round_results",
    "structure_of",
    "trend_chart",
    "trend_chart_of",
]
