"""Pulse over rounds: each shown group against its own shown past, and drops worth a flag.

Only shown values are used (`results` has already applied the anonymity rules): a change is
computed only when a group was shown in both rounds, and a round in which a group was hidden
is an empty bucket for the drop test. A flag therefore says nothing a shown figure did not
already say.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from bot.core.attention import FlagKind
from bot.core.kernel import DropRule, Mean, compare_means, find_drop, mean_size
from bot.core.pulse.results import LEVELS, GroupResult, Level, RoundResult, mean_1dp

Measure = Literal["energy", "trust"]
MEASURES: tuple[Measure, ...] = ("energy", "trust")
ROLLING_ROUNDS = 3


def ordered(rounds: Iterable[RoundResult]) -> list[RoundResult]:
    """Oldest first, whatever order the caller had."""
    return sorted(rounds, key=lambda r: (r.opened_at, r.id))


@dataclass(frozen=True)
class GroupTrend:
    """A shown group in one round, against its own shown past.

    `change_*` is against the previous round, only when the group was shown in both; the
    rolling mean averages the group's shown means of the last three rounds (each round
    weighs the same, so one busy round does not outweigh two quiet ones).
    """

    round_id: int
    level: Level
    key: str
    change_energy: float | None
    change_trust: float | None
    rolling_energy: float
    rolling_trust: float
    rolling_rounds: int  # how many shown rounds the rolling mean covers (1-3)


def _tenths(value: float) -> int:
    return round(value * 10)


def _change(current: GroupResult, previous: GroupResult | None, measure: Measure) -> float | None:
    if previous is None:
        return None
    return (_tenths(getattr(current, measure)) - _tenths(getattr(previous, measure))) / 10


def _rolling(shown: Sequence[GroupResult], measure: Measure) -> float:
    return mean_1dp(sum(_tenths(getattr(g, measure)) for g in shown), len(shown), 10)


def trend(rounds: Sequence[RoundResult]) -> list[GroupTrend]:
    """Per round (oldest first) and per shown group: change and rolling mean."""
    series = ordered(rounds)
    trends: list[GroupTrend] = []
    for i, current in enumerate(series):
        window = series[max(0, i - ROLLING_ROUNDS + 1) : i + 1]
        for group in current.groups:
            previous = series[i - 1].group(group.level, group.key) if i else None
            shown = [g for r in window if (g := r.group(group.level, group.key))]
            trends.append(
                GroupTrend(
                    current.id,
                    group.level,
                    group.key,
                    _change(group, previous, "energy"),
                    _change(group, previous, "trust"),
                    _rolling(shown, "energy"),
                    _rolling(shown, "trust"),
                    len(shown),
                )
            )
    return trends


# --- drops -------------------------------------------------------------------------------

PULSE_RULE = DropRule(
    recent_periods=3,
    hold_periods=6,
    baseline_periods=8,
    min_before=6,
    min_after=6,
    min_recent_periods=2,
    min_drop=0.5,
    margin=0.2,
    alpha=0.05,
    hold_alpha=0.01,
)
"""The drop rule for pulse rounds (a bucket is a round, usually two weeks apart).

* ``min_drop`` 0.5 points on the 1-5 scale: a fall a coordinator would call real, and
  more than rounding (0.05) and ordinary round-to-round wobble of a handful of answers;
* ``min_recent_periods`` 2: one low round is a mood, two in a row are a trend; with
  ``recent_periods`` 3 a drop is fresh for three rounds (about six weeks);
* ``min_before`` and ``min_after`` 6: at least two shown rounds' worth of a group of three;
* ``margin`` 0.2, ``alpha`` 0.05: the test asks whether the recent mean is convincingly below
  "baseline minus 0.2" with the default answer spread of 0.9, which a steady group's chance
  dips rarely are; ``hold_periods`` 6 with ``hold_alpha`` 0.01 keeps a clear older drop up
  for about a quarter; ``baseline_periods`` 8 compares against the last four months or so.

Measured with the simulation in ``tests/core/pulse/test_results.py`` (30 ambassadors, four
regions, 75% answering, 12 two-weekly rounds, 100 seeds): 1.7% of steady group-measures
flagged at the last round (8% at some point when evaluated after each of rounds 6-12);
a one-point energy fall in a region of about six answers a round caught in 72% of runs
after three low rounds, 59% after two; a 1.5-point fall in 83% after two. ``alpha`` 0.10
would catch 79% at 3.4% false flags: the quieter setting was chosen because a coordinator
who is wrongly alarmed stops reading the flags (DOMAIN: nudge, never police).
"""


@dataclass(frozen=True)
class PulseFlag:
    """A shown group's energy or trust fell; the figures travel with the flag."""

    level: Level
    key: str
    measure: Measure
    kind: FlagKind  # energy_drop or trust_drop
    since: date  # the opening day of the first low round
    before: float  # mean over the baseline's shown rounds, one decimal
    after: float  # mean over the shown rounds since `since`
    rounds_before: int  # shown rounds in the baseline
    rounds_after: int  # shown rounds since `since`
    respondents_after: int
    respondents_before: int = 0
    p_value: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "key": self.key,
            "kind": self.kind,
            "measure": self.measure,
            "since": self.since.isoformat(),
            "before": self.before,
            "after": self.after,
            "rounds_before": self.rounds_before,
            "rounds_after": self.rounds_after,
            "respondents_before": self.respondents_before,
            "respondents_after": self.respondents_after,
            "p_value": round(self.p_value, 4),
        }


def pulse_flags(rounds: Sequence[RoundResult], rule: DropRule = PULSE_RULE) -> list[PulseFlag]:
    """Drops per shown group and measure, as of the newest round.

    A round in which a group was hidden is an empty bucket: it keeps the rounds aligned in
    time but contributes nothing, so a drop that happened while hidden cannot be flagged.
    """
    series = ordered(rounds)
    groups = list(dict.fromkeys((g.level, g.key) for r in series for g in r.groups))
    groups.sort(key=lambda group: LEVELS.index(group[0]))  # stable: first seen within a level
    flags: list[PulseFlag] = []
    for level, key in groups:
        shown = [r.group(level, key) for r in series]
        for measure in MEASURES:
            buckets = [
                Mean(g.respondents, getattr(g, measure)) if g else Mean(0, 0.0) for g in shown
            ]
            drop = find_drop(buckets, mean_size, compare_means, rule)
            if drop is None:
                continue
            before = buckets[max(0, drop.change - rule.baseline_periods) : drop.change]
            after = buckets[drop.change :]
            flags.append(
                PulseFlag(
                    level,
                    key,
                    measure,
                    FlagKind.ENERGY_DROP if measure == "energy" else FlagKind.TRUST_DROP,
                    since=series[drop.change].opened_at.date(),
                    before=round(drop.comparison.level_before, 1),
                    after=round(drop.comparison.level_after, 1),
                    rounds_before=sum(b.n > 0 for b in before),
                    rounds_after=sum(b.n > 0 for b in after),
                    respondents_after=drop.n_after,
                    respondents_before=drop.n_before,
                    p_value=drop.comparison.p_value,
                )
            )
    return flags
