"""Quality of the declining-follow-up rule (`bot.core.trends`) on synthetic histories.

Not a timing benchmark: it prints recall, detection delay and false flags, per seed and over
all seeds, and one line per target (met / not met); `run()` returns no timing figures.

The generator (seeded, so every run prints the same figures): `PARTNERS` partners over
`WEEKS` weeks. Each partner makes agreements at its own volume (1–6 per two weeks, Poisson),
each due 2–8 weeks after it is made, done on time at its own base rate (0.6–0.95); a late
agreement is done 1–30 days after its due date or never. `DECLINING_SHARE` of the partners
get a planted decline at a random day (at least 16 weeks in, at least 8 weeks before the
end): every agreement due from that day on is on time at a rate of 0.1–0.4. Half of them
keep making agreements at their old volume (pseudo-cooperation); the other half make only
20–50% as many from that day on.

The evaluation runs the rule `as of` every period start (every other Monday) from the
start to the end, exactly as `alliancebot agreements flags --as-of DATE` would:

* recall: declining partners flagged within `WITHIN` periods after the planted day, by a
  flag whose `since` is no earlier than the period before the planted day's period (a flag
  about an earlier, imagined change does not count);
* delay: periods from the planted day to the first such flag, ``ceil(days / 14)``;
* false flags: flagged partner-periods among partners without a planted decline and among
  declining partners before their planted day (nothing of the decline was known then).

Also shown, not targets: how often the flag's `since` is within one period of the planted
day, and how often the kind (pseudo-cooperation or not) matched the plant at detection.
"""

from __future__ import annotations

import math
import random
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta

from bench.timing import Figure
from bot.core.trends import (
    PERIOD,
    AgreementFacts,
    flag_follow_up,
    period_index,
    period_start,
)

SEEDS = (11, 22, 33, 44, 55, 66)
PARTNERS = 200
WEEKS = 40
DECLINING_SHARE = 0.3
WITHIN = 4  # periods after the planted day
START = period_start(52) + timedelta(days=3)  # a Thursday, not a period start
END = START + timedelta(weeks=WEEKS)

TARGET_RECALL = 0.9
TARGET_DELAY = 2.0
TARGET_FALSE = 0.05


@dataclass(frozen=True)
class Scenario:
    """What the generator plants; `SHARP` is the benchmark's, `LITERAL` the harder variant."""

    name: str
    volume: tuple[float, float]  # agreements made per two weeks, per partner
    min_gap: float  # the planted drop is at least this far below the base rate
    slowdown: tuple[float, float]  # volume after the drop, for partners that make fewer


@dataclass(frozen=True)
class Partner:
    facts: tuple[AgreementFacts, ...]
    decline_on: date | None
    keeps_pace: bool
    volume: float
    base: float
    low: float


SHARP = Scenario("sharp", volume=(2.0, 6.0), min_gap=0.35, slowdown=(0.2, 0.5))
LITERAL = Scenario("literal", volume=(1.0, 6.0), min_gap=0.0, slowdown=(0.2, 0.5))


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
        decline_on = START + timedelta(days=rng.randint(16 * 7, WEEKS * 7 - 8 * 7))
        keeps_pace = rng.random() < 0.5
    slowdown = 1.0 if keeps_pace else rng.uniform(*scenario.slowdown)
    facts: list[AgreementFacts] = []
    day = START
    while day < END:
        block = min(PERIOD.days, (END - day).days)
        mean = volume * block / PERIOD.days
        for _ in range(_poisson(rng, mean)):
            made_on = day + timedelta(days=rng.randrange(block))
            if decline_on is not None and made_on >= decline_on and rng.random() > slowdown:
                continue
            due_on = made_on + timedelta(days=rng.randint(14, 56))
            rate = low if decline_on is not None and due_on >= decline_on else base
            done_on: date | None
            if rng.random() < rate:
                done_on = due_on - timedelta(days=rng.randint(0, min(10, (due_on - made_on).days)))
            elif rng.random() < 0.5:
                done_on = due_on + timedelta(days=rng.randint(1, 30))
            else:
                done_on = None
            facts.append(AgreementFacts(made_on, due_on, done_on))
        day += PERIOD
    facts.sort(key=lambda f: f.made_on)
    return Partner(tuple(facts), decline_on, keeps_pace, volume, base, low)


def generate(seed: int, scenario: Scenario = SHARP) -> list[Partner]:
    rng = random.Random(seed)
    declining = round(PARTNERS * DECLINING_SHARE)
    return [_partner(rng, number < declining, scenario) for number in range(PARTNERS)]


@dataclass(frozen=True)
class Result:
    declining: int
    detected: int
    delays: tuple[int, ...]
    quiet_periods: int  # partner-periods with no decline known
    false_flags: int
    since_close: int  # detections whose since is within one period of the planted day
    kind_right: int  # detections whose kind matches the plant

    @property
    def recall(self) -> float:
        return self.detected / self.declining if self.declining else 1.0

    @property
    def median_delay(self) -> float:
        return statistics.median(self.delays) if self.delays else math.inf

    @property
    def false_rate(self) -> float:
        return self.false_flags / self.quiet_periods if self.quiet_periods else 0.0


def evaluation_days() -> list[date]:
    first = period_index(START) + 1
    return [period_start(i) for i in range(first, period_index(END) + 1)]


def evaluate(partners: list[Partner]) -> Result:
    days = evaluation_days()
    declining = detected = quiet = false_flags = since_close = kind_right = 0
    delays: list[int] = []
    for partner in partners:
        found = False
        decline_on = partner.decline_on
        if decline_on is not None:
            declining += 1
        for as_of in days:
            flag = flag_follow_up(partner.facts, as_of)
            if decline_on is None or as_of <= decline_on:
                quiet += 1
                false_flags += flag is not None
                continue
            delay = math.ceil((as_of - decline_on).days / PERIOD.days)
            if found or flag is None or delay > WITHIN:
                continue
            if period_index(flag.since) < period_index(decline_on) - 1:
                continue
            found = True
            detected += 1
            delays.append(delay)
            since_close += abs(period_index(flag.since) - period_index(decline_on)) <= 1
            kind_right += (flag.kind == "pseudo_cooperation") == partner.keeps_pace
    return Result(declining, detected, tuple(delays), quiet, false_flags, since_close, kind_right)


def _line(label: str, r: Result) -> str:
    return (
        f"{label:<10} recall {r.recall:5.3f} ({r.detected}/{r.declining})"
        f"  median delay {r.median_delay:3.1f} periods"
        f"  false flags {r.false_rate:6.4f} ({r.false_flags}/{r.quiet_periods})"
        f"  since ±1 {r.since_close / max(1, r.detected):4.2f}"
        f"  kind right {r.kind_right / max(1, r.detected):4.2f}"
    )


def run() -> list[Figure]:
    started = time.perf_counter()
    results = [evaluate(generate(seed)) for seed in SEEDS]
    print(
        f"{PARTNERS} partners × {WEEKS} weeks, {DECLINING_SHARE:.0%} with a planted decline,"
        f" evaluated as of every period start; seeds {', '.join(map(str, SEEDS))}"
    )
    for seed, result in zip(SEEDS, results, strict=True):
        print(_line(f"seed {seed}", result))
    total = Result(
        sum(r.declining for r in results),
        sum(r.detected for r in results),
        tuple(d for r in results for d in r.delays),
        sum(r.quiet_periods for r in results),
        sum(r.false_flags for r in results),
        sum(r.since_close for r in results),
        sum(r.kind_right for r in results),
    )
    print(_line("all seeds", total))
    worst_recall = min(r.recall for r in results)
    worst_delay = max(r.median_delay for r in results)
    worst_false = max(r.false_rate for r in results)
    checks = (
        (
            f"recall within {WITHIN} periods ≥ {TARGET_RECALL}",
            worst_recall >= TARGET_RECALL,
            f"worst seed {worst_recall:.3f}, all seeds {total.recall:.3f}",
        ),
        (
            f"median detection delay ≤ {TARGET_DELAY:.0f} periods",
            worst_delay <= TARGET_DELAY,
            f"worst seed {worst_delay:.1f}, all seeds {total.median_delay:.1f}",
        ),
        (
            f"false flags ≤ {TARGET_FALSE:.0%} of partner-periods",
            worst_false <= TARGET_FALSE,
            f"worst seed {worst_false:.4f}, all seeds {total.false_rate:.4f}",
        ),
    )
    for name, met, detail in checks:
        print(f"target {name:<42} {'met' if met else 'NOT MET':<8} {detail}")
    print(f"({time.perf_counter() - started:.1f} s)")
    return []
