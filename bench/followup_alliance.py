"""Pseudo-cooperation at the alliance level (`bot.core.followup.pseudo`), on synthetic alliances.

Information beside the partner-level targets of `bench_followup_quality`: how often an
alliance of steady partners, or of partners each declining on their own day, is flagged
(false alarms: pseudo-cooperation is a state of the partnership, not a sum of slumps), and
how soon an alliance in which many partners decline together while they keep agreeing is.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import date

from bench.followup_shapes import PERIOD, Partner, Shape, generate, generate_alliance
from bot.core.followup.decline import follow_up_as_of
from bot.core.followup.pseudo import detect_pseudo_cooperation

SIZE = 24  # partners per alliance
COMMON = 10  # of them decline together in the "pseudo-cooperation" alliances
WITHIN = 4


def flagged_days(partners: Sequence[Partner], days: Sequence[date]) -> list[date]:
    """The evaluation days on which the alliance is flagged `pseudo_cooperation`."""
    every = [fact for partner in partners for fact in partner.facts]
    found = []
    for as_of in days:
        own = [follow_up_as_of(p.facts, as_of) for p in partners]
        group = follow_up_as_of(every, as_of)
        if detect_pseudo_cooperation(group, [s for s in own if s.periods]) is not None:
            found.append(as_of)
    return found


def alliance_lines(shape: Shape, seeds: Sequence[int], days: Sequence[date]) -> list[str]:
    steady = mixed = looks = detected = together = 0
    fallen: list[int] = []  # at each flagged look of the mixed alliances: partners declined
    for seed in seeds:
        partners = generate(seed, shape)
        quiet = [p for p in partners if p.decline_on is None]
        random.Random(seed).shuffle(partners)
        for start in range(0, len(quiet) - SIZE + 1, SIZE):
            steady += len(flagged_days(quiet[start : start + SIZE], days))
            group = partners[start : start + SIZE]
            for as_of in flagged_days(group, days):
                mixed += 1
                fallen.append(sum(1 for p in group if p.decline_on and p.decline_on < as_of))
            looks += len(days)
        common = generate_alliance(seed, shape, SIZE, COMMON)
        on = common[0].decline_on
        assert on is not None
        together += 1
        detected += any(
            0 < math.ceil((d - on).days / PERIOD.days) <= WITHIN for d in flagged_days(common, days)
        )
    return [
        f"alliances of {SIZE}: steady partners flagged at {steady}/{looks} looks;"
        f" 30% of partners declining each on their own day flagged at {mixed}/{looks}"
        f" (then at least {min(fallen, default=0)} of {SIZE} had declined)",
        f"{COMMON} of {SIZE} declining together while agreeing as before:"
        f" flagged within {WITHIN} periods in {detected}/{together}",
    ]
