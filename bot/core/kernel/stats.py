"""Shared statistics: has a recent window dropped below its own baseline?

Pure Python (no database, no platform). `find_drop` compares a recent window of buckets
with the group's own baseline, with minimum samples, persistence and an effect size; the
follow-up rule (`bot.core.followup`) feeds it on-time rates, pulse trends feed it means.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

Bucket = TypeVar("Bucket")


# --- the generic core: a recent window against its own baseline -----------------------------


@dataclass(frozen=True)
class DropRule:
    """The thresholds of a drop: shared by agreements and pulse trends, tuned per use."""

    recent_periods: int = 4  # fresh change points: the last K periods (incl. the current)
    hold_periods: int = 13  # older change points, up to half a year back, keep a flag up
    baseline_periods: int = 26  # the baseline reaches back at most a year
    min_before: int = 6  # samples (settled agreements, answers) in the baseline
    min_after: int = 4  # samples in the recent window
    min_recent_periods: int = 2  # persistence: recent samples spread over ≥ this many periods
    min_drop: float = 0.25  # the least fall in level worth a flag (absolute)
    margin: float = 0.15  # the test's null: "fell by less than this" (absolute)
    alpha: float = 0.35  # the largest p-value for a fresh change point
    hold_alpha: float = 0.02  # the largest p-value for an older change point


@dataclass(frozen=True)
class Comparison:
    """What a one-sided test says about a recent window against its baseline."""

    level_before: float
    level_after: float
    p_value: float  # small when the recent window is implausibly low for the baseline
    score: float  # evidence for a change exactly here (a log-likelihood ratio): picks `since`


@dataclass(frozen=True)
class Drop:
    """A qualifying change point: `change` indexes the first bucket of the recent window."""

    change: int
    n_before: int
    n_after: int
    comparison: Comparison


def find_drop(
    buckets: Sequence[Bucket],
    size: Callable[[Bucket], int],
    compare: Callable[[Sequence[Bucket], Sequence[Bucket], float], Comparison],
    rule: DropRule,
    level: Callable[[Sequence[Bucket]], float] | None = None,
) -> Drop | None:
    """The most convincing drop at the end of `buckets` (oldest first), or None.

    Generic on purpose: `size` says how many samples a bucket holds and `compare` is any
    one-sided test of "recent lower than baseline" (a Beta-Binomial predictive for on-time
    rates here; a test on means for pulse answers). The scan, the minimum samples, the
    persistence and the effect size are the same for every use, so one documented rule
    stands behind every flag the adviser sees. `level`, when given, is the cheap level of a
    run of buckets (the same number `compare` reports): with it the effect-size checks
    run before the test, which saves the test where no drop is large enough — the same
    answers, several times faster over hundreds of groups.
    """
    last = len(buckets)
    best: Drop | None = None
    for change in range(max(1, last - max(rule.recent_periods, rule.hold_periods)), last):
        after = buckets[change:]
        before = buckets[max(0, change - rule.baseline_periods) : change]
        n_after = sum(size(b) for b in after)
        n_before = sum(size(b) for b in before)
        if n_after < rule.min_after or n_before < rule.min_before:
            continue
        filled = [b for b in after if size(b) > 0]
        if size(after[0]) == 0 or len(filled) < rule.min_recent_periods:
            continue  # (an empty first period: the same window starting later speaks for it)
        if level is not None:
            baseline = level(before)
            if (
                baseline - level(after) < rule.min_drop
                or baseline - level(filled[-1:]) < rule.min_drop
            ):
                continue
        comparison = compare(before, after, rule.margin)
        if comparison.level_before - comparison.level_after < rule.min_drop:
            continue
        newest = compare(before, filled[-1:], rule.margin)
        if comparison.level_before - newest.level_after < rule.min_drop:
            continue  # recovered (or never low) in the newest period: not a decline now
        fresh = change >= last - rule.recent_periods
        if comparison.p_value > (rule.alpha if fresh else rule.hold_alpha):
            continue
        if best is None or comparison.score > best.comparison.score:
            best = Drop(change, n_before, n_after, comparison)
    return best


# --- the statistics, in log space (no SciPy) -------------------------------------------------


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def beta_binomial_pmf(k: int, n: int, a: float, b: float) -> float:
    """P(X = k) for X ~ Beta-Binomial(n, a, b): `k` successes in `n` tries at a Beta(a, b) rate.

    The posterior predictive of a binomial count: "if the rate is what the baseline says,
    uncertainty included, how likely is exactly this count?" Computed in log space
    (`math.lgamma`), so large baselines do not overflow.
    """
    if k < 0 or k > n:
        return 0.0
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return math.exp(log_choose + _log_beta(k + a, n - k + b) - _log_beta(a, b))


def beta_binomial_mid_p(k: int, n: int, a: float, b: float) -> float:
    """The one-sided mid-p-value ``P(X < k) + P(X = k) / 2`` for X ~ Beta-Binomial(n, a, b).

    Why mid-p: with a handful of agreements the plain tail ``P(X <= k)`` moves in big steps
    and is far more cautious than its nominal level (a 1-of-4 that should count barely does),
    which costs detections exactly for small partners. The mid-p is the usual remedy for
    discrete tests; the level is then checked against the false-flag target, not assumed.
    `n` is a handful to a few dozen agreements, so the direct sum is exact and cheap.
    """
    below = sum(beta_binomial_pmf(x, n, a, b) for x in range(max(0, k)))
    return min(1.0, below + beta_binomial_pmf(k, n, a, b) / 2)


@dataclass(frozen=True)
class Rate:
    """A bucket of yes/no outcomes: `hits` of `tries` (on time of due)."""

    hits: int
    tries: int


PRIOR = (1.0, 1.0)  # Beta(1, 1): no opinion on a partner's rate before its own record


def compare_rates(before: Sequence[Rate], after: Sequence[Rate], margin: float) -> Comparison:
    """One-sided: is the recent rate lower than "the baseline minus `margin`" allows?

    The baseline's posterior, Beta(1 + on time, 1 + late), is shifted down by `margin`
    keeping its strength (a + b), and the recent on-time count is judged against that
    shifted predictive. Testing against a small drop rather than no drop at all is what
    keeps chance dips of a steady partner from looking like a decline, so the level can
    be lenient enough to catch real drops in a handful of agreements.
    """
    hits_before = sum(r.hits for r in before)
    tries_before = sum(r.tries for r in before)
    hits_after = sum(r.hits for r in after)
    tries_after = sum(r.tries for r in after)
    strength = PRIOR[0] + PRIOR[1] + tries_before
    mean = max(0.01, (PRIOR[0] + hits_before) / strength - margin)
    a = mean * strength
    b = (1.0 - mean) * strength
    return Comparison(
        level_before=hits_before / tries_before if tries_before else 0.0,
        level_after=hits_after / tries_after if tries_after else 0.0,
        p_value=beta_binomial_mid_p(hits_after, tries_after, a, b),
        score=_split_log_likelihood(hits_before, tries_before, hits_after, tries_after),
    )


def _log_likelihood(hits: int, tries: int) -> float:
    """The binomial log-likelihood of `hits` of `tries` at its own best rate (0 log 0 = 0)."""
    misses = tries - hits
    total = 0.0
    if hits:
        total += hits * math.log(hits / tries)
    if misses:
        total += misses * math.log(misses / tries)
    return total


def _split_log_likelihood(
    hits_before: int, tries_before: int, hits_after: int, tries_after: int
) -> float:
    """How much better two rates (before, after) explain the outcomes than one rate."""
    return (
        _log_likelihood(hits_before, tries_before)
        + _log_likelihood(hits_after, tries_after)
        - _log_likelihood(hits_before + hits_after, tries_before + tries_after)
    )


def rate_tries(rate: Rate) -> int:
    return rate.tries


def rate_level(rates: Sequence[Rate]) -> float:
    """The on-time rate of a run of periods, exactly as `compare_rates` reports it."""
    tries = sum(r.tries for r in rates)
    return sum(r.hits for r in rates) / tries if tries else 0.0


# --- means: the same scan for averages of 1-5 answers (pulse energy and trust) --------------

DEFAULT_SD = 0.9  # a typical spread of single answers on a 1-5 scale


@dataclass(frozen=True)
class Mean:
    """A bucket of answers known only as an aggregate: `n` answers averaging `mean`.

    Pulse results leave the anonymity rule as group means, never as single answers, so this
    is all a mean-based test may see; an empty bucket (``n == 0``) is a round in which the
    group was not shown.
    """

    n: int
    mean: float


def mean_size(bucket: Mean) -> int:
    return bucket.n


def _weighted_mean(buckets: Sequence[Mean]) -> tuple[int, float]:
    n = sum(b.n for b in buckets)
    return n, (sum(b.n * b.mean for b in buckets) / n if n else 0.0)


def answer_sd(before: Sequence[Mean], default_sd: float = DEFAULT_SD) -> float:
    """The spread of single answers the test assumes: `default_sd`, or more when shown.

    Only means are known, so the spread cannot be measured directly. With three or more
    filled baseline buckets, the between-bucket mean square ``sum n_i (m_i - m)^2 / (B - 1)``
    estimates the answers' variance *plus* any real bucket-to-bucket swing; taking the larger
    of it and the default keeps a group whose mean always wanders from being flagged for an
    ordinary wander, while a small or short record falls back to the default.
    """
    filled = [b for b in before if b.n > 0]
    if len(filled) < 3:
        return default_sd
    _, grand = _weighted_mean(filled)
    square = sum(b.n * (b.mean - grand) ** 2 for b in filled) / (len(filled) - 1)
    return max(default_sd, math.sqrt(square))


def compare_means(
    before: Sequence[Mean],
    after: Sequence[Mean],
    margin: float,
    default_sd: float = DEFAULT_SD,
) -> Comparison:
    """One-sided: is the recent mean lower than "the baseline mean minus `margin`" allows?

    A Welch-style z test on two means with the spread from `answer_sd` on both sides:
    ``z = (after - (before - margin)) / (sd * sqrt(1/n_before + 1/n_after))`` and
    ``p = Phi(z)``. As for rates, the null is a small fall (`margin`), not none, so a steady
    group's chance dips stay quiet while the level can be lenient enough for groups of a
    handful of people. The score is the normal log-likelihood ratio of "two means" against
    "one mean", ``n_b n_a / (n_b + n_a) * (before - after)^2 / (2 sd^2)``, for a fall only.
    """
    n_before, level_before = _weighted_mean(before)
    n_after, level_after = _weighted_mean(after)
    if n_before == 0 or n_after == 0:
        return Comparison(level_before, level_after, 1.0, 0.0)
    sd = answer_sd(before, default_sd)
    error = sd * math.sqrt(1 / n_before + 1 / n_after)
    z = (level_after - (level_before - margin)) / error
    p_value = 0.5 * math.erfc(-z / math.sqrt(2))
    fall = max(0.0, level_before - level_after)
    score = n_before * n_after / (n_before + n_after) * fall**2 / (2 * sd**2)
    return Comparison(level_before, level_after, p_value, score)
