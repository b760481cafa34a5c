"""Synthetic agreement histories in several shapes, for `bench_followup_quality`.

Seeded and pure (`random.Random(seed)`), so every run of a shape and seed gives the same
partners. A partner makes agreements at its own volume (Poisson per two weeks), each due a
number of days after it is made that the shape decides, and done on time at the partner's
base rate (0.6–0.95). A late one is done some days after its due date or never, as the
shape says. `DECLINING_SHARE` of the partners get a planted decline on a random day (at
least 16 weeks in, at least 8 weeks before the end): every agreement due from that day on is
done on time at a low rate. Half of them keep making agreements as before; the other half
make only 20–50% as many from that day on.

The decline planted here is follow-up falling away: the low rate is 0.0–0.3 and at least
`MIN_GAP` (0.5) under the partner's own base (a 0.7 partner falls to 0.2 or lower). A
smaller slip in a partner making one agreement a fortnight is not visible within eight
weeks to any rule: four outcomes cannot tell 70% from 45% (see `oracle_detects` in the
benchmark), so it is not what these shapes measure.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.core.followup import PERIOD, AgreementFacts, period_start

PARTNERS = 200
WEEKS = 40
DECLINING_SHARE = 0.3
MIN_GAP = 0.5
START = period_start(52) + timedelta(days=3)  # a Thursday, not a period start
END = START + timedelta(weeks=WEEKS)


@dataclass(frozen=True)
class Shape:
    """How one family of histories looks; the defaults are the "usual" alliance."""

    name: str
    volume: tuple[float, float] = (2.0, 6.0)  # agreements made per two weeks, per partner
    due_days: tuple[int, int] = (14, 42)  # due this many days after it is made
    late_done: float = 0.5  # share of late agreements that are done at all (else never)
    days_late: tuple[int, int] = (1, 30)  # how late a late completion comes
    base: tuple[float, float] = (0.6, 0.95)  # on-time rate of a steady partner
    low: tuple[float, float] = (0.0, 0.25)  # on-time rate after a planted decline
    note: str = field(default="", compare=False)


SHAPES = (
    Shape("usual", note="2–6 per fortnight, due after 2–6 weeks, half of the late ones never done"),
    Shape("1–10 per fortnight", volume=(1.0, 10.0)),
    Shape("5–10 per fortnight", volume=(5.0, 10.0)),
    Shape("due after 2 weeks", due_days=(14, 14)),
    Shape("due after 6 weeks", due_days=(42, 42)),
    Shape("late completions", late_done=1.0, days_late=(1, 14), note="every late one done"),
    Shape("never closed", late_done=0.0, note="no late agreement is ever done"),
)
SPARSE = Shape("1–2 per fortnight", volume=(1.0, 2.0))  # information: below what can be seen


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


def _outcome(
    rng: random.Random, shape: Shape, made_on: date, due_on: date, rate: float
) -> AgreementFacts:
    done_on: date | None
    if rng.random() < rate:
        done_on = max(made_on, due_on - timedelta(days=rng.randint(0, 10)))
    elif rng.random() < shape.late_done:
        done_on = due_on + timedelta(days=rng.randint(*shape.days_late))
    else:
        done_on = None
    return AgreementFacts(made_on, due_on, done_on)


def _partner(
    rng: random.Random, declining: bool, shape: Shape, on: date | None = None, pace: bool = False
) -> Partner:
    volume = rng.uniform(*shape.volume)
    base = rng.uniform(*shape.base)
    low = rng.uniform(shape.low[0], max(shape.low[0], min(shape.low[1], base - MIN_GAP)))
    decline_on: date | None = None
    keeps_pace = True
    if declining:
        decline_on = START + timedelta(days=rng.randint(16 * 7, (WEEKS - 8) * 7))
        keeps_pace = rng.random() < 0.5
        decline_on, keeps_pace = on or decline_on, pace or keeps_pace
    slowdown = 1.0 if keeps_pace else rng.uniform(0.3, 0.6)
    facts: list[AgreementFacts] = []
    day = START
    while day < END:
        block = min(PERIOD.days, (END - day).days)
        for _ in range(_poisson(rng, volume * block / PERIOD.days)):
            made_on = day + timedelta(days=rng.randrange(block))
            if decline_on is not None and made_on >= decline_on and rng.random() > slowdown:
                continue
            due_on = made_on + timedelta(days=rng.randint(*shape.due_days))
            declined = decline_on is not None and due_on >= decline_on
            facts.append(_outcome(rng, shape, made_on, due_on, low if declined else base))
        day += PERIOD
    facts.sort(key=lambda f: f.made_on)
    return Partner(tuple(facts), decline_on, keeps_pace, volume, base)


def generate(seed: int, shape: Shape) -> list[Partner]:
    """`PARTNERS` partners of one shape; the same seed and shape give the same partners."""
    rng = random.Random(f"{shape.name}/{seed}")
    declining = round(PARTNERS * DECLINING_SHARE)
    return [_partner(rng, number < declining, shape) for number in range(PARTNERS)]


def generate_alliance(seed: int, shape: Shape, size: int, common: int) -> list[Partner]:
    """An alliance of `size` partners of which `common` decline on the same day and keep
    making agreements at their usual pace: pseudo-cooperation as the practice describes it."""
    rng = random.Random(f"alliance/{shape.name}/{seed}")
    on = START + timedelta(days=rng.randint(16 * 7, (WEEKS - 8) * 7))
    return [_partner(rng, n < common, shape, on, pace=True) for n in range(size)]
