"""Pseudo-cooperation (*schijnsamenwerking*): the partnership keeps agreeing, the work stops.

The practice describes it as a state of the whole partnership, rooted in an ambition that is
not truly shared or interests that are not spoken about, and its remedy as a conversation
about that ambition together. Pinning it on one partner would turn a question for everyone
into a verdict on someone, so it is judged only for the alliance and for a region, from three
things at once:

1. follow-up of the group as a whole fell: the declining-follow-up test (`decline`) fires on
   the group's own series (all its agreements) with `GROUP_RULE`, which asks for a smaller
   fall than for one partner (0.15 rather than 0.3): a group's rate is known from many
   agreements, and a third of the partners falling far moves it only that much;
2. the fall is broad: since that flag's `since`, at least `MIN_PARTNERS` partners, and at
   least `MIN_SHARE` (a third) of the partners with agreements settled both before and
   since, did at least `FOLLOW_UP_RULE.min_drop` fewer on time than before (one partner's
   slump moving a group's average is that partner's follow-up, told to its advisers);
3. agreements keep being made at the usual pace: since `since`, at least `PSEUDO_PACE` of
   the baseline's making pace (agreements made per day).

Pure, like `decline`: it reads the same per-period series the database counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from bot.core.attention import FlagKind
from bot.core.followup.decline import (
    FOLLOW_UP_RULE,
    Flag,
    FollowUpSeries,
    detect_follow_up_decline,
    period_index,
)
from bot.core.kernel import DropRule

PSEUDO_PACE = 0.75  # recent making pace, as a share of the baseline pace, that still "keeps on"
MIN_PARTNERS = 3
MIN_SHARE = 1 / 3
GROUP_RULE = DropRule(min_drop=0.15, margin=0.05, alpha=0.3)  # as tuned in issue 18
MIN_BEFORE = 2  # a partner counts with at least this many settled agreements before `since`


@dataclass(frozen=True)
class Spread:
    """How many partners took part in a group's fall (see the module docstring, point 2)."""

    falling: int
    counted: int

    @property
    def broad(self) -> bool:
        return self.falling >= MIN_PARTNERS and self.falling >= MIN_SHARE * self.counted


def spread(partners: Iterable[FollowUpSeries], flag: Flag) -> Spread:
    """Partners whose own on-time rate since `flag.since` is `min_drop` below their before."""
    first, change = period_index(flag.baseline_from), period_index(flag.since)
    falling = counted = 0
    for series in partners:
        before = [p for p in series.periods if first <= p.index < change]
        after = [p for p in series.periods if p.index >= change]
        due_before, due_after = sum(p.due for p in before), sum(p.due for p in after)
        if due_before < MIN_BEFORE or due_after == 0:
            continue
        counted += 1
        rate_before = sum(p.on_time for p in before) / due_before
        rate_after = sum(p.on_time for p in after) / due_after
        falling += rate_before - rate_after >= FOLLOW_UP_RULE.min_drop
    return Spread(falling, counted)


def detect_pseudo_cooperation(
    group: FollowUpSeries, partners: Iterable[FollowUpSeries]
) -> Flag | None:
    """The alliance's or a region's `pseudo_cooperation` flag, or None.

    `group` is the series of all the group's agreements, `partners` the same agreements
    split by owning partner.
    """
    flag = detect_follow_up_decline(group, GROUP_RULE)
    if flag is None or flag.pace_ratio < PSEUDO_PACE:
        return None
    found = spread(partners, flag)
    if not found.broad:
        return None
    return replace(
        flag,
        kind=FlagKind.PSEUDO_COOPERATION,
        partners_falling=found.falling,
        partners_counted=found.counted,
    )
