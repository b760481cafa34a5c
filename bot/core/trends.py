"""Trends: has a partner's (or a region's) follow-up of agreements dropped below its own norm?

Alliances lose energy quietly. The first hard sign is that agreements made at the table stop
being done on time while the meetings go on: pseudo-cooperation (*schijnsamenwerking*). This
module turns one group's agreements into a small per-period series and decides, with the
documented rule below, whether a drop is real enough to tell the adviser. It is pure Python
(no database, no platform), so the CLI, the chat, the demo and the benchmark run the same
rule. Its generic core (`find_drop`: a recent window against the group's own baseline, with
minimum samples, persistence and an effect size) is meant to be shared with pulse trends (a
drop in mean energy or trust per group over rounds): give it buckets, a size and a test.

Periods
    Two weeks (`PERIOD`), aligned to a fixed epoch: period ``i`` holds the days
    ``EPOCH + 14*i <= day < EPOCH + 14*(i + 1)``, ``EPOCH = 2024-01-01`` (a Monday), so
    ``i = floor((day - EPOCH).days / 14)``, flooring also before the epoch. A fixed epoch
    rather than one relative to `as_of`, because then a period means the same days in every
    evaluation, in SQL, in charts and in the benchmark, and a past period's counts do not
    change as `as_of` moves on. Run on a period's first day (every other Monday from
    2024-01-01), the rule sees whole periods only.

As of a day: what was known at the end of `as_of`
    * An agreement exists once ``made_on <= as_of``; later ones are unknown.
    * It is *settled*, and counts as *due* in the period of its `due_on`, once its due day is
      over: ``due_on < as_of``. An agreement due today can still be done today, so it is
      neither on time nor late yet (nobody is called late on their deadline day).
    * A settled agreement is *on time* when ``done_on <= due_on``; every other settled one
      is late: done after the due date, or still open. Because ``due_on < as_of``, an
      on-time completion was always known by `as_of`, and a completion after `as_of` cannot
      make anything on time: it counts as open. An overdue, open agreement is late the day
      after its due date, without waiting for it to be done.
    * *Open* (`PeriodCounts.open`, for the explanation only): settled and not known done,
      ``done_on IS NULL OR done_on > as_of``.
    * *Made* counts agreements by the period of `made_on`, for ``made_on <= as_of``.

    The same counts in SQL (PostgreSQL; in SQLite write the period as
    ``CAST(FLOOR((julianday(d) - julianday('2024-01-01')) / 14.0) AS INTEGER)``)::

        SELECT FLOOR((due_on - DATE '2024-01-01') / 14.0)::int AS period,
               COUNT(*) AS due,
               COUNT(*) FILTER (WHERE done_on <= due_on) AS on_time,
               COUNT(*) FILTER (WHERE done_on IS NULL OR done_on > :as_of) AS open
          FROM agreement
         WHERE made_on <= :as_of AND due_on < :as_of   -- and the partner or region
         GROUP BY 1;
        SELECT FLOOR((made_on - DATE '2024-01-01') / 14.0)::int AS period, COUNT(*) AS made
          FROM agreement
         WHERE made_on <= :as_of                       -- and the partner or region
         GROUP BY 1;

    `series_from_counts` turns those rows into the dense series the rule reads. (Dividing a
    date difference by the integer 14 truncates towards zero: keep ``FLOOR(... / 14.0)``.)

The rule (`FOLLOW_UP_RULE`; its figures come from ``bench/bench_followup_quality.py``)
    Every period in the last `DropRule.hold_periods` is a candidate change point ``c``: the
    *baseline* is the periods before ``c`` (at most `baseline_periods`), the *recent window*
    is ``c`` up to `as_of`. A candidate qualifies when all of these hold:

    1. enough evidence: at least `min_before` settled agreements in the baseline and
       `min_after` in the recent window;
    2. persistence: the recent window's settled agreements fall in at least
       `min_recent_periods` periods (one bad fortnight is not a trend), its first period has
       some, and the newest period that has any is itself at least `min_drop` below the
       baseline rate (a group that has recovered is not flagged any more);
    3. effect: the on-time rate fell by at least `min_drop` (absolute, 0.25: 80% to 55%);
    4. evidence: a one-sided test. The baseline's on-time rate, as a Beta(1 + on time,
       1 + late) posterior, is lowered by `margin` (0.15) and the recent on-time count is
       judged against that posterior's predictive, a Beta-Binomial; its mid-p-value must be
       at most `alpha` for a change point among the last `recent_periods` (a *fresh* drop)
       or at most `hold_alpha` for an older one (which keeps a lasting decline flagged).
       Testing against "fell by 0.15" rather than "did not fall" is what keeps the chance
       dips of a steady partner out, so the level can be lenient enough to catch a real
       drop in a handful of agreements; the Beta posterior makes a small baseline demand
       more. The levels are not textbook significance levels: scanning change points and
       evaluating every period tests many times, so they were set on the benchmark's
       false-flag and recall targets.

    Of the qualifying candidates, the one where a change is most likely (the largest
    log-likelihood ratio of "two rates" against "one rate") gives `since`. The flag is
    ``declining_follow_up``; it is ``pseudo_cooperation`` when agreements keep being made
    meanwhile: the pace since `since` (agreements made per day, `as_of` included) is at
    least `PSEUDO_PACE` (three quarters) of the baseline's pace.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal, TypeVar

EPOCH = date(2024, 1, 1)  # a Monday: period 0 starts here
PERIOD = timedelta(days=14)
PSEUDO_PACE = 0.75  # recent making pace, as a share of the baseline pace, that still "keeps on"

FlagKind = Literal["declining_follow_up", "pseudo_cooperation"]
Bucket = TypeVar("Bucket")


# --- periods ---------------------------------------------------------------------------------


def period_index(day: date) -> int:
    """The number of the two-week period holding `day` (floor division, as in the SQL)."""
    return (day - EPOCH).days // PERIOD.days


def period_start(index: int) -> date:
    """The first day (a Monday) of period `index`."""
    return EPOCH + index * PERIOD


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


def _tries(rate: Rate) -> int:
    return rate.tries


def _rate_level(rates: Sequence[Rate]) -> float:
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


# --- agreements: facts, the as-of series, the flag -------------------------------------------


@dataclass(frozen=True)
class AgreementFacts:
    """One agreement, reduced to the three dates the rule reads."""

    made_on: date
    due_on: date
    done_on: date | None


@dataclass(frozen=True)
class PeriodCounts:
    """One two-week period of a group's agreements, as known on the series' `as_of`.

    `due`, `on_time` and `open` count settled agreements by the period of `due_on`; `made`
    counts agreements by the period of `made_on`. See the module docstring for the bounds.
    """

    index: int
    made: int = 0
    due: int = 0
    on_time: int = 0
    open: int = 0

    @property
    def start(self) -> date:
        return period_start(self.index)


@dataclass(frozen=True)
class FollowUpSeries:
    """Consecutive periods, oldest first, from a group's first agreement to `as_of`'s period.

    Dense (empty periods are present with zeros), so position and time agree; the last
    period is usually partial.
    """

    as_of: date
    periods: tuple[PeriodCounts, ...] = field(default=())


def series_from_counts(as_of: date, rows: Iterable[PeriodCounts]) -> FollowUpSeries:
    """The dense series from sparse per-period rows (for example from the SQL above).

    Rows for the same period are added up, so the made and the due query may each give
    their own rows. Rows after `as_of`'s period are a caller's mistake and raise.
    """
    merged: dict[int, PeriodCounts] = {}
    for row in rows:
        old = merged.get(row.index, PeriodCounts(row.index))
        merged[row.index] = PeriodCounts(
            row.index,
            made=old.made + row.made,
            due=old.due + row.due,
            on_time=old.on_time + row.on_time,
            open=old.open + row.open,
        )
    if not merged:
        return FollowUpSeries(as_of)
    last = period_index(as_of)
    if max(merged) > last:
        raise ValueError(f"counts for a period after as_of {as_of.isoformat()}")
    first = min(merged)
    return FollowUpSeries(
        as_of, tuple(merged.get(i, PeriodCounts(i)) for i in range(first, last + 1))
    )


def follow_up_as_of(facts: Iterable[AgreementFacts], as_of: date) -> FollowUpSeries:
    """The per-period series of one group's agreements, using only what was known on `as_of`."""
    made: dict[int, int] = {}
    due: dict[int, list[int]] = {}  # period -> [due, on_time, open]
    for fact in facts:
        if fact.made_on > as_of:
            continue  # not made yet: unknown that day
        i = period_index(fact.made_on)
        made[i] = made.get(i, 0) + 1
        if fact.due_on >= as_of:
            continue  # its due day is not over yet: not settled
        counts = due.setdefault(period_index(fact.due_on), [0, 0, 0])
        counts[0] += 1
        if fact.done_on is not None and fact.done_on <= fact.due_on:
            counts[1] += 1
        elif fact.done_on is None or fact.done_on > as_of:
            counts[2] += 1
    rows = [PeriodCounts(i, made=n) for i, n in made.items()]
    rows += [PeriodCounts(i, due=c[0], on_time=c[1], open=c[2]) for i, c in due.items()]
    return series_from_counts(as_of, rows)


FOLLOW_UP_RULE = DropRule()
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class Flag:
    """A group's follow-up fell; the numbers are the explanation, so they travel with it.

    "Before" is the baseline, `baseline_from` up to the day before `since`; "after" (or
    "recently") is `since` up to `as_of`. Due and on-time counts are of settled agreements
    (see the module docstring); made counts are by the day an agreement was made.
    """

    kind: FlagKind
    since: date
    as_of: date
    baseline_from: date
    before_on_time: int
    before_due: int
    after_on_time: int
    after_due: int
    after_open: int  # of after_due: past the due date, no completion known
    made_before: int
    made_recently: int
    p_value: float

    @property
    def rate_before(self) -> float:
        return self.before_on_time / self.before_due if self.before_due else 0.0

    @property
    def rate_after(self) -> float:
        return self.after_on_time / self.after_due if self.after_due else 0.0

    @property
    def days_before(self) -> int:
        return (self.since - self.baseline_from).days

    @property
    def days_after(self) -> int:
        return (self.as_of - self.since).days + 1  # agreements made on as_of count

    @property
    def pace_ratio(self) -> float:
        """Agreements made per day since `since`, as a share of the baseline's pace."""
        before = self.made_before / self.days_before if self.days_before > 0 else 0.0
        after = self.made_recently / self.days_after
        if before == 0.0:
            return math.inf if after else 0.0
        return after / before

    def describe(self, name: str) -> str:
        """One plain English line with the numbers, for logs and `--json`.

        Chat texts come from the message catalogs (Dutch and English) with the same fields.
        """
        since = f"{self.since.day} {MONTHS[self.since.month - 1]} {self.since.year}"
        line = (
            f"{name}: {self.before_on_time} of {self.before_due} on time before {since},"
            f" {self.after_on_time} of {self.after_due} since"
        )
        if self.after_open:
            line += f"; {self.after_open} still open past the due date"
        if self.kind == "pseudo_cooperation":
            line += (
                f"; meanwhile {self.made_recently} new agreements were made"
                f" ({self.made_before} in the {self.days_before // 7} weeks before)"
            )
        return line

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for `alliancebot agreements flags --json`."""
        return {
            "kind": self.kind,
            "since": self.since.isoformat(),
            "as_of": self.as_of.isoformat(),
            "baseline_from": self.baseline_from.isoformat(),
            "before": {"on_time": self.before_on_time, "due": self.before_due},
            "after": {
                "on_time": self.after_on_time,
                "due": self.after_due,
                "open": self.after_open,
            },
            "made": {"before": self.made_before, "since": self.made_recently},
            "p_value": round(self.p_value, 4),
        }


def detect_follow_up_decline(
    series: FollowUpSeries, rule: DropRule = FOLLOW_UP_RULE
) -> Flag | None:
    """The module's rule applied to one group's series, as of `series.as_of`; None: no flag."""
    periods = series.periods
    rates = [Rate(p.on_time, p.due) for p in periods]
    drop = find_drop(rates, _tries, compare_rates, rule, level=_rate_level)
    if drop is None:
        return None
    before = periods[max(0, drop.change - rule.baseline_periods) : drop.change]
    after = periods[drop.change :]
    flag = Flag(
        kind="declining_follow_up",
        since=after[0].start,
        as_of=series.as_of,
        baseline_from=before[0].start,
        before_on_time=sum(p.on_time for p in before),
        before_due=sum(p.due for p in before),
        after_on_time=sum(p.on_time for p in after),
        after_due=sum(p.due for p in after),
        after_open=sum(p.open for p in after),
        made_before=sum(p.made for p in before),
        made_recently=sum(p.made for p in after),
        p_value=drop.comparison.p_value,
    )
    if flag.pace_ratio >= PSEUDO_PACE:
        return replace(flag, kind="pseudo_cooperation")
    return flag


def flag_follow_up(
    facts: Iterable[AgreementFacts], as_of: date, rule: DropRule = FOLLOW_UP_RULE
) -> Flag | None:
    """One group, one day: `detect_follow_up_decline(follow_up_as_of(facts, as_of))`."""
    return detect_follow_up_decline(follow_up_as_of(facts, as_of), rule)
