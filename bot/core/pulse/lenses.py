"""The five lenses in the results: each group's lens means, their change, and the profile
coordinators take back to the table after a lens check.

Made from `RoundResult`s only, like every other output: a lens figure exists only where
`results.aggregate` published it (same minimum group size, same complementary suppression).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.core.kernel import DropRule, Mean, compare_means, find_drop, mean_size
from bot.core.pulse.questions import LENSES
from bot.core.pulse.results import Level, RoundResult
from bot.core.pulse.trends import ordered

WEAK_GAP = 0.5  # a lens this far below the mean of the others is the one to talk about
WEAK_LEVEL = 3.0  # and a lens at or below this is weak whatever the others do


def lens_values(group_lenses: dict[str, float]) -> dict[str, float | None]:
    """All five lenses, null where not asked or hidden."""
    return {lens: group_lenses.get(lens) for lens in LENSES}


def lens_changes(
    rounds: Sequence[RoundResult],
) -> dict[tuple[int, Level, str], dict[str, float | None]]:
    """Per round and group, each lens's change against the group's last earlier figure."""
    last: dict[tuple[Level, str, str], float] = {}
    changes: dict[tuple[int, Level, str], dict[str, float | None]] = {}
    for r in ordered(rounds):
        for g in r.groups:
            now = dict(g.lenses)
            changes[(r.id, g.level, g.key)] = {
                lens: (
                    round(now[lens] - last[(g.level, g.key, lens)], 1)
                    if lens in now and (g.level, g.key, lens) in last
                    else None
                )
                for lens in LENSES
            }
            for lens, value in now.items():
                last[(g.level, g.key, lens)] = value
    return changes


@dataclass(frozen=True)
class LensProfile:
    """The alliance's five lens means in one round, and the weak ones (weakest first)."""

    round_id: int
    means: dict[str, float | None]
    weak: tuple[str, ...]


def lens_profile(result: RoundResult) -> LensProfile | None:
    """The whole alliance's profile; None when the round shows no lens for the alliance."""
    alliance = result.group("alliance", "alliance")
    if alliance is None or not alliance.lenses:
        return None
    means = lens_values(dict(alliance.lenses))
    known = {lens: value for lens, value in means.items() if value is not None}
    weak = []
    for lens, value in sorted(known.items(), key=lambda item: (item[1], item[0])):
        others = [v for name, v in known.items() if name != lens]
        below = bool(others) and value <= sum(others) / len(others) - WEAK_GAP
        if below or value <= WEAK_LEVEL:
            weak.append(lens)
    return LensProfile(result.id, means, tuple(weak))


LENS_RULE = DropRule(
    recent_periods=1,
    hold_periods=1,
    baseline_periods=6,
    min_before=6,
    min_after=3,
    min_recent_periods=1,
    min_drop=0.5,
    margin=0.2,
    alpha=0.05,
    hold_alpha=0.01,
)
"""The shared drop rule (`kernel.stats`), for a lens in the regular rounds: a lens comes by
once in five rounds, so a bucket is one showing of the lens (not a round), and the newest
showing alone may be the drop — a half point below its own last six showings, convincingly
(the pulse's `alpha` and `margin`). Only the whole alliance: the conversation it opens is
the steering group's, never a region's or partner's scoreboard."""


def dropped_lenses(rounds: Sequence[RoundResult], rule: DropRule = LENS_RULE) -> tuple[str, ...]:
    """The lenses whose alliance mean dropped at the newest round (as shown)."""
    series = ordered(rounds)
    if not series or (latest := series[-1].group("alliance", "alliance")) is None:
        return ()
    dropped = []
    for lens in LENSES:
        if latest.lens(lens) is None:
            continue
        buckets = [
            Mean(g.respondents, value)
            for r in series
            if (g := r.group("alliance", "alliance")) and (value := g.lens(lens)) is not None
        ]
        drop = find_drop(buckets, mean_size, compare_means, rule)
        if drop is not None and drop.change == len(buckets) - 1:
            dropped.append(lens)
    return tuple(dropped)
