"""Quality of the declining-follow-up rule (`bot.core.followup.decline`) on synthetic histories.

Not a timing benchmark: it prints recall, detection delay and false flags per data shape
(pooled over `SEEDS`), one line per target per shape (met / not met); `run()` returns no
timing figures. The histories come from `bench.followup_shapes`: agreements per fortnight
from 1 to 10, due dates 2–6 weeks after making, late agreements done late or never closed,
each shape seeded and reproducible.

Tuning and recording use different seeds: the rule's thresholds were chosen on seeds
`TUNING_SEEDS`; the figures printed (and recorded in BENCHMARKS.md) are of `SEEDS`.

The evaluation runs the rule as of every period start (every other Monday), as
`alliancebot agreements flags --as-of DATE` would:

* recall: declining partners flagged within `WITHIN` periods after the planted day, by a flag
  whose `since` is at most `SINCE_SLACK` periods before the planted day's period (a flag about
  an earlier, imagined change does not count);
* delay: periods from the planted day to that first flag, ``ceil(days / 14)``;
* false flags: flagged partner-periods among partners without a planted decline and among
  declining partners up to their planted day (nothing of the decline was known yet).

Also shown, not targets: the share of detections whose `since` is within one period of the
planted period and the share of evaluations after the first detection at which the flag is
still up ("held"), and the recall of an *oracle* that knows the planted day and the exact
base rate (a plain binomial test at 2% on the agreements due since that day, at each look).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bench.followup_alliance import alliance_lines
from bench.followup_shapes import END, SHAPES, SPARSE, START, Partner, Shape, generate
from bench.timing import Figure
from bot.core.followup import PERIOD, Flag, flag_follow_up, period_index, period_start

SEEDS = (1, 2, 3, 4, 5, 6)
TUNING_SEEDS = (1001, 1002, 1003, 1004, 1005, 1006)
WITHIN = 4  # periods after the planted day
SINCE_SLACK = 2  # a detection's `since` may lie this many periods before the planted period

TARGET_RECALL = 0.95
TARGET_FALSE = 0.02


def evaluation_days() -> list[date]:
    """Every period start after the history's first day, up to its last."""
    return [period_start(i) for i in range(period_index(START) + 1, period_index(END) + 1)]


@dataclass(frozen=True)
class Result:
    declining: int = 0
    detected: int = 0
    delays: tuple[int, ...] = ()
    quiet_periods: int = 0  # partner-periods with no decline known
    false_flags: int = 0
    since_close: int = 0  # detections whose since is within one period of the planted one
    after_detection: int = 0  # evaluations from the first detection on
    held: int = 0  # of those, flagged

    def __add__(self, other: Result) -> Result:
        return Result(
            *(a + b for a, b in zip(self.__dict__.values(), other.__dict__.values(), strict=True))
        )

    @property
    def recall(self) -> float:
        return self.detected / self.declining if self.declining else math.nan

    @property
    def median_delay(self) -> float:
        return statistics.median(self.delays) if self.delays else math.inf

    @property
    def false_rate(self) -> float:
        return self.false_flags / self.quiet_periods if self.quiet_periods else 0.0


def _detects(partner: Partner, as_of: date, flag: Flag | None) -> int | None:
    """The delay in periods if `flag` detects the partner's planted decline, else None."""
    if flag is None or partner.decline_on is None or as_of <= partner.decline_on:
        return None
    delay = math.ceil((as_of - partner.decline_on).days / PERIOD.days)
    too_early = period_index(flag.since) < period_index(partner.decline_on) - SINCE_SLACK
    return None if delay > WITHIN or too_early else delay


def evaluate_partner(partner: Partner, days: Sequence[date]) -> Result:
    flags = [flag_follow_up(partner.facts, as_of) for as_of in days]
    decline_on = partner.decline_on
    quiet = [
        flag for as_of, flag in zip(days, flags, strict=True)
        if decline_on is None or as_of <= decline_on
    ]  # fmt: skip
    result = Result(quiet_periods=len(quiet), false_flags=sum(f is not None for f in quiet))
    if decline_on is None:
        return result
    result += Result(declining=1)
    for number, (as_of, flag) in enumerate(zip(days, flags, strict=True)):
        delay = _detects(partner, as_of, flag)
        if delay is None or flag is None:
            continue
        later = flags[number:]
        return result + Result(
            detected=1,
            delays=(delay,),
            since_close=abs(period_index(flag.since) - period_index(decline_on)) <= 1,
            after_detection=len(later),
            held=sum(f is not None for f in later),
        )
    return result


def evaluate(partners: Sequence[Partner]) -> Result:
    days = evaluation_days()
    return sum((evaluate_partner(p, days) for p in partners), Result())


def _binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(k + 1))


def oracle_detects(partner: Partner, days: Sequence[date], level: float = 0.02) -> bool:
    """Knowing the planted day and the base rate: a binomial test at each evaluation."""
    decline_on = partner.decline_on
    assert decline_on is not None
    for as_of in days:
        if as_of <= decline_on:
            continue
        if math.ceil((as_of - decline_on).days / PERIOD.days) > WITHIN:
            return False
        due = [f for f in partner.facts if decline_on <= f.due_on < as_of]
        on_time = sum(1 for f in due if f.done_on is not None and f.done_on <= f.due_on)
        if due and _binomial_cdf(on_time, len(due), partner.base) <= level:
            return True
    return False


def _line(label: str, r: Result) -> str:
    detected = max(1, r.detected)
    return (
        f"{label:<18} recall {r.recall:5.3f} ({r.detected:>3}/{r.declining})"
        f"  median delay {r.median_delay:3.1f}"
        f"  false flags {r.false_rate:6.4f} ({r.false_flags:>3}/{r.quiet_periods})"
        f"  since ±1 {r.since_close / detected:4.2f}"
        f"  held {r.held / max(1, r.after_detection):4.2f}"
    )


def _shape(shape: Shape, days: Sequence[date]) -> tuple[Result, float]:
    total, oracle, declining = Result(), 0, 0
    for seed in SEEDS:
        for partner in generate(seed, shape):
            total += evaluate_partner(partner, days)
            if partner.decline_on is not None:
                declining += 1
                oracle += oracle_detects(partner, days)
    return total, oracle / max(1, declining)


def run() -> list[Figure]:
    started = time.perf_counter()
    days = evaluation_days()
    print(
        f"seeds {SEEDS} (tuned on {TUNING_SEEDS}); per seed and shape 200 partners × 40 weeks,"
        f" 30% with a planted decline; the rule as of each of {len(days)} period starts;"
        f" targets per shape: recall within {WITHIN} periods ≥ {TARGET_RECALL},"
        f" false flags ≤ {TARGET_FALSE:.0%} of steady partner-periods"
    )
    for shape in (*SHAPES, SPARSE):
        result, oracle = _shape(shape, days)
        met = result.recall >= TARGET_RECALL and result.false_rate <= TARGET_FALSE
        target = "information" if shape is SPARSE else ("met" if met else "NOT MET")
        print(f"{_line(shape.name[:18], result)}  oracle {oracle:5.3f}  {target}")
    print("\npseudo-cooperation at the alliance level (information), shape usual:")
    for line in alliance_lines(SHAPES[0], SEEDS, days):
        print(line)
    print(f"({time.perf_counter() - started:.1f} s)")
    return []
