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
       `min_after` (2) in the recent window;
    2. persistence: the recent window's settled agreements fall in at least
       `min_recent_periods` periods (one bad fortnight is not a trend), its first period has
       some, and the newest period that has any is itself at least `min_drop` below the
       baseline rate (a group that has recovered is not flagged any more);
    3. effect: the on-time rate fell by at least `min_drop` (absolute, 0.3: 80% to 50%);
    4. evidence: a one-sided test. The baseline's on-time rate, as a Beta(1 + on time,
       1 + late) posterior, is lowered by `margin` (0.275) and the recent on-time count is
       judged against that posterior's predictive, a Beta-Binomial; its mid-p-value must be
       at most `alpha` (0.35) for a change point among the last `recent_periods` (a *fresh* drop)
       or at most `hold_alpha` for an older one (which keeps a lasting decline flagged).
       Testing against "fell by 0.275" rather than "did not fall" is what keeps the chance
       dips of a steady partner out, so the level can be lenient enough to catch a real
       drop in a handful of agreements; the Beta posterior makes a small baseline demand
       more. The levels are not textbook significance levels: scanning change points and
       evaluating every period tests many times, so they were set on the benchmark's
       false-flag and recall targets (issue 18: at most 2% of steady partner-periods
       flagged, at least 95% of clear declines found within four periods, on every data
       shape of ``bench/followup_shapes.py``; chosen on seeds other than the recorded ones).
       The figures per shape are in BENCHMARKS.md.

    The pace: a partner that stops following up often also stops agreeing (fewer agreements
    made, so fewer settle, and a fall in the on-time rate stays below the test's level for
    longer). So a second way to a flag: the same rule at the looser level `PACE_ALPHA` (0.6),
    when also the agreements made since `since` are implausibly few for the baseline's pace
    (a one-sided Poisson test at `PACE_LEVEL`, 0.05). Either alone is common in a steady
    partner; both together rarely are. On the benchmark this path brings the "due after two
    weeks" shape (where a slowing partner settles few agreements within four periods) to the
    target; the explanation already shows the agreements made before and since.

    Of the qualifying candidates, the one where a change is most likely (the largest
    log-likelihood ratio of "two rates" against "one rate") gives `since`. The flag of one
    group is always ``declining_follow_up``: *pseudo-cooperation* is a state of the
    partnership, not a label for one partner, so it is judged over many partners at once
    (`bot.core.followup.pseudo`, alliance and region level). The flag still carries the
    pace (agreements made per day since `since` against the baseline's), which that judgement
    reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from bot.core.attention import FlagKind
from bot.core.kernel import DropRule, Rate, compare_rates, find_drop, rate_level, rate_tries

EPOCH = date(2024, 1, 1)  # a Monday: period 0 starts here
PERIOD = timedelta(days=14)

# --- periods ---------------------------------------------------------------------------------


def period_index(day: date) -> int:
    """The number of the two-week period holding `day` (floor division, as in the SQL)."""
    return (day - EPOCH).days // PERIOD.days


def period_start(index: int) -> date:
    """The first day (a Monday) of period `index`."""
    return EPOCH + index * PERIOD


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


FOLLOW_UP_RULE = DropRule(min_drop=0.3, margin=0.275, alpha=0.35, min_after=2)
PACE_ALPHA = 0.6  # the on-time test's level when the pace of agreeing fell as well
PACE_LEVEL = 0.05  # how implausibly few agreements since, at the baseline's pace (Poisson)
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
    partners_falling: int = 0  # pseudo-cooperation only: partners doing fewer on time since
    partners_counted: int = 0  # ... of the partners with agreements settled before and since

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
        if self.kind == FlagKind.PSEUDO_COOPERATION:
            line += (
                f"; {self.partners_falling} of {self.partners_counted} partners do fewer on time"
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
            "pace_ratio": round(min(self.pace_ratio, 99.0), 3),
            "p_value": round(self.p_value, 4),
        } | (
            {"partners": {"falling": self.partners_falling, "counted": self.partners_counted}}
            if self.kind == FlagKind.PSEUDO_COOPERATION
            else {}
        )


def detect_follow_up_decline(
    series: FollowUpSeries, rule: DropRule = FOLLOW_UP_RULE
) -> Flag | None:
    """The module's rule applied to one group's series, as of `series.as_of`; None: no flag.

    Two ways to a flag (see "The pace" in the module docstring): the on-time rate alone, or
    a weaker on-time fall together with a fall in the pace of making agreements."""
    flag = _on_time_drop(series, rule)
    if flag is not None:
        return flag
    flag = _on_time_drop(series, replace(rule, alpha=PACE_ALPHA))
    return flag if flag is not None and pace_p_value(flag) <= PACE_LEVEL else None


def pace_p_value(flag: Flag) -> float:
    """P(at most `made_recently` agreements since `since`) at the baseline's pace (Poisson)."""
    if flag.days_before <= 0 or flag.made_before == 0:
        return 1.0
    mean = flag.made_before / flag.days_before * flag.days_after
    return min(
        1.0,
        sum(
            math.exp(k * math.log(mean) - mean - math.lgamma(k + 1))
            for k in range(flag.made_recently + 1)
        ),
    )


def _on_time_drop(series: FollowUpSeries, rule: DropRule) -> Flag | None:
    periods = series.periods
    rates = [Rate(p.on_time, p.due) for p in periods]
    drop = find_drop(rates, rate_tries, compare_rates, rule, level=rate_level)
    if drop is None:
        return None
    before = periods[max(0, drop.change - rule.baseline_periods) : drop.change]
    after = periods[drop.change :]
    return Flag(
        kind=FlagKind.DECLINING_FOLLOW_UP,
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


def flag_follow_up(
    facts: Iterable[AgreementFacts], as_of: date, rule: DropRule = FOLLOW_UP_RULE
) -> Flag | None:
    """One group, one day: `detect_follow_up_decline(follow_up_as_of(facts, as_of))`."""
    return detect_follow_up_decline(follow_up_as_of(facts, as_of), rule)
