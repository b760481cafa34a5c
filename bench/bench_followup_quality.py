"""Quality of the declining-follow-up rule (`bot.core.followup.decline`) on synthetic histories.

Not a timing benchmark: it prints recall, detection delay and false flags per seed, over all
seeds, and one line per target (met / not met); `run()` returns no timing figures.

The generator (seeded: every run prints the same figures) makes `PARTNERS` partners over
`WEEKS` weeks. A partner makes agreements at its own volume (Poisson, per two weeks), each
due 2–8 weeks after it is made and done on time at the partner's base rate (0.6–0.95); a
late one is done 1–30 days after its due date, or never. `DECLINING_SHARE` of the partners
get a planted decline on a random day (at least 16 weeks in, at least 8 weeks before the
end): every agreement due from that day on is done on time at a low rate (0.1–0.4). Half of
them keep making agreements as before (pseudo-cooperation); the other half make only 20–50%
as many from that day on. Two scenarios:

* `SHARP`, where the targets apply: volumes of 2–6 agreements per two weeks and a drop of at
  least 0.35 (a 0.6 partner falls to 0.25 or lower). Below about one agreement a week, four
  periods hold too few settled agreements to tell 80% from 40% reliably;
* `LITERAL`, for information: volumes of 1–6 and any drop to 0.1–0.4 (0.6 to 0.4 included).
  Shown with recall per volume band and, as a reference, the recall of an *oracle* that knows
  the planted day and the exact base rate (a plain binomial test at 5% on the agreements due
  since that day, at each evaluation). It does no better: at one agreement a fortnight the
  outcomes themselves do not tell a decline from chance within four periods.

The evaluation runs the rule as of every period start (every other Monday), as
`alliancebot agreements flags --as-of DATE` would:

* recall: declining partners flagged within `WITHIN` periods after the planted day, by a flag
  whose `since` is at most `SINCE_SLACK` periods before the planted day's period (a flag about
  an earlier, imagined change does not count);
* delay: periods from the planted day to that first flag, ``ceil(days / 14)``;
* false flags: flagged partner-periods among partners without a planted decline and among
  declining partners up to their planted day (nothing of the decline was known yet).

Also shown, not targets: the share of detections whose `since` is within one period of the
planted period, whose kind (pseudo-cooperation or not) matches the plant, and the share of
evaluations after the first detection at which the flag is still up ("held").
"""

from __future__ import annotations

import math
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bench.timing import Figure
from bot.core.followup import (
    PERIOD,
    AgreementFacts,
    Flag,
    flag_follow_up,
    period_index,
    period_start,
)

SEEDS = (1, 2, 3, 4, 5, 6, 7, 8)
PARTNERS = 200
WEEKS = 40
DECLINING_SHARE = 0.3
WITHIN = 4  # periods after the planted day
SINCE_SLACK = 2  # a detection's `since` may lie this many periods before the planted period
START = period_start(52) + timedelta(days=3)  # a Thursday, not a period start
END = START + timedelta(weeks=WEEKS)

TARGET_RECALL = 0.9
TARGET_DELAY = 2.0
TARGET_FALSE = 0.05


@dataclass(frozen=True)
class Scenario:
    name: str
    volume: tuple[float, float]  # agreements made per two weeks, per partner
    min_gap: float  # the planted low rate is at least this far below the base rate
    slowdown: tuple[float, float]  # volume after the drop, for partners that make fewer


SHARP = Scenario("sharp", volume=(2.0, 6.0), min_gap=0.35, slowdown=(0.2, 0.5))
LITERAL = Scenario("literal", volume=(1.0, 6.0), min_gap=0.0, slowdown=(0.2, 0.5))


@dataclass(frozen=True)
class Partner:
    facts: tuple[AgreementFacts, ...]
    decline_on: date | None
    keeps_pace: bool
    volume: float
    base: float


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _partner(rng: random.Random, declining: bool, scenario: Scenario) -> Partner:
    volume = rng.uniform(*scenario.volume)
    base = rng.uniform(0.6, 0.95)
    low = rng.uniform(0.1, min(0.4, base - scenario.min_gap))
    decline_on: date | None = None
    keeps_pace = True
    if declining:
        decline_on = START + timedelta(days=rng.randint(16 * 7, (WEEKS - 8) * 7))
        keeps_pace = rng.random() < 0.5
    slowdown = 1.0 if keeps_pace else rng.uniform(*scenario.slowdown)
    facts: list[AgreementFacts] = []
    day = START
    while day < END:
        block = min(PERIOD.days, (END - day).days)
        for _ in range(_poisson(rng, volume * block / PERIOD.days)):
            made_on = day + timedelta(days=rng.randrange(block))
            if decline_on is not None and made_on >= decline_on and rng.random() > slowdown:
                continue
            due_on = made_on + timedelta(days=rng.randint(14, 56))
            rate = low if decline_on is not None and due_on >= decline_on else base
            done_on: date | None
            if rng.random() < rate:
                done_on = due_on - timedelta(days=rng.randint(0, 10))
            elif rng.random() < 0.5:
                done_on = due_on + timedelta(days=rng.randint(1, 30))
            else:
                done_on = None
            facts.append(AgreementFacts(made_on, due_on, done_on))
        day += PERIOD
    facts.sort(key=lambda f: f.made_on)
    return Partner(tuple(facts), decline_on, keeps_pace, volume, base)


def generate(seed: int, scenario: Scenario = SHARP) -> list[Partner]:
    rng = random.Random(seed)
    declining = round(PARTNERS * DECLINING_SHARE)
    return [_partner(rng, number < declining, scenario) for number in range(PARTNERS)]


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
    kind_right: int = 0  # detections whose kind matches the plant
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
            kind_right=(flag.kind == "pseudo_cooperation") == partner.keeps_pace,
            after_detection=len(later),
            held=sum(f is not None for f in later),
        )
    return result


def evaluate(partners: Sequence[Partner]) -> Result:
    days = evaluation_days()
    return sum((evaluate_partner(p, days) for p in partners), Result())


def _binomial_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(k + 1))


def oracle_detects(partner: Partner, days: Sequence[date], level: float = 0.05) -> bool:
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
        f"{label:<11} recall {r.recall:5.3f} ({r.detected:>3}/{r.declining})"
        f"  median delay {r.median_delay:3.1f}"
        f"  false flags {r.false_rate:6.4f} ({r.false_flags:>3}/{r.quiet_periods})"
        f"  since ±1 {r.since_close / detected:4.2f}"
        f"  kind right {r.kind_right / detected:4.2f}"
        f"  held {r.held / max(1, r.after_detection):4.2f}"
    )


def _targets(results: Sequence[Result], total: Result) -> list[str]:
    worst_recall = min(r.recall for r in results)
    worst_delay = max(r.median_delay for r in results)
    worst_false = max(r.false_rate for r in results)
    checks = (
        (
            f"recall within {WITHIN} periods ≥ {TARGET_RECALL}",
            total.recall >= TARGET_RECALL,
            f"all seeds {total.recall:.3f}; worst seed {worst_recall:.3f}",
        ),
        (
            f"median detection delay ≤ {TARGET_DELAY:.0f} periods",
            total.median_delay <= TARGET_DELAY,
            f"all seeds {total.median_delay:.1f}; worst seed {worst_delay:.1f}",
        ),
        (
            f"false flags ≤ {TARGET_FALSE:.0%} of partner-periods",
            total.false_rate <= TARGET_FALSE,
            f"all seeds {total.false_rate:.4f}; worst seed {worst_false:.4f}",
        ),
    )
    return [
        f"target {name:<39} {'met' if met else 'NOT MET':<8} {detail}"
        for name, met, detail in checks
    ]


def run() -> list[Figure]:
    started = time.perf_counter()
    days = evaluation_days()
    print(
        f"{PARTNERS} partners × {WEEKS} weeks per seed, {DECLINING_SHARE:.0%} with a planted"
        f" decline; the rule as of each of {len(days)} period starts"
    )
    print(f"\nscenario {SHARP.name} (the targets): volumes {SHARP.volume}, drop ≥ {SHARP.min_gap}")
    results = [evaluate(generate(seed, SHARP)) for seed in SEEDS]
    for seed, result in zip(SEEDS, results, strict=True):
        print(_line(f"seed {seed}", result))
    total = sum(results, Result())
    print(_line(f"{len(SEEDS)} seeds", total))
    for line in _targets(results, total):
        print(line)

    print(f"\nscenario {LITERAL.name} (information): volumes {LITERAL.volume}, any drop")
    bands = ((1.0, 2.0), (2.0, 4.0), (4.0, 6.0))
    by_band = {band: Result() for band in bands}
    oracle = declining = 0
    for seed in SEEDS:
        for partner in generate(seed, LITERAL):
            band = next(b for b in bands if partner.volume < b[1])
            by_band[band] += evaluate_partner(partner, days)
            if partner.decline_on is not None:
                declining += 1
                oracle += oracle_detects(partner, days)
    print(_line(f"{len(SEEDS)} seeds", sum(by_band.values(), Result())))
    for (low, high), result in by_band.items():
        print(_line(f"volume {low:.0f}–{high:.0f}", result))
    print(f"oracle (planted day and base rate known, 5% per look): recall {oracle / declining:.3f}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return []
