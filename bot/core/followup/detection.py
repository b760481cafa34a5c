"""Follow-up flags per partner, per region and for the alliance, as of a day, explained.

The rows come from the database as they were known on `as_of` (agreements made by then);
`bot.core.followup.decline` decides whether a group's follow-up declined, and
`bot.core.followup.pseudo` whether the alliance or a region shows pseudo-cooperation. A
partner is only ever flagged `declining_follow_up`. The explanation is written for the
reader, in their language, with the numbers behind the flag; it leaves out the bot's own
unanswered check-ins (they are not the partner's doing, and the explanation is shown to
every adviser), which stay in the numbers for a private word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.core.attention import Detected, FlagFamily, FlagLevel, sync_flags
from bot.core.attention import Flag as StoredFlag
from bot.core.followup.decline import Flag, FollowUpSeries, detect_follow_up_decline, period_index
from bot.core.followup.measures import GroupSeries, Measures, series_by_groups
from bot.core.followup.pseudo import detect_pseudo_cooperation
from bot.core.kernel import (
    LANGUAGES,
    Alliance,
    Partner,
    Region,
    Texts,
    parse_markup,
    plain_text,
    utcnow,
)

ALLIANCE_KEY = "alliance"  # the key of alliance-level flags, as for pulse flags


@dataclass(frozen=True)
class GroupFlag:
    level: FlagLevel  # partner, region or alliance
    key: str
    name: str
    flag: Flag
    recent: Measures = field(
        default_factory=Measures
    )  # the measures since `flag.since`, e.g. unanswered check-ins

    def to_json(self, texts: Texts) -> dict[str, Any]:
        return {
            "level": self.level,
            "key": self.key,
            "kind": self.flag.kind,
            "since": self.flag.since.isoformat(),
            "explanation": explain(texts, self),
            "numbers": {**self.flag.as_dict(), "recent": self.recent.as_dict()},
        }


def explain(texts: Texts, group: GroupFlag) -> str:
    markup = texts.render("followup_flag", group=group, flag=group.flag)
    return " ".join(plain_text(b.spans) for b in parse_markup(markup) if hasattr(b, "spans"))


def follow_up_flags(session: Session, alliance: Alliance, as_of: date) -> list[GroupFlag]:
    """Every partner and region whose follow-up declined, and pseudo-cooperation, as known.

    The per-period counts come from the database (`measures`); the rule runs on
    the few resulting numbers per group, so the cost grows with groups, not agreements."""
    partners = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id, col(Partner.active))
    ).all()
    regions = session.exec(
        select(Region).where(Region.alliance_id == alliance.id, col(Region.active))
    ).all()
    series = series_by_groups(session, alliance, as_of)
    flags = _flags(series, FlagLevel.PARTNER, partners, as_of)
    flags += _flags(series, FlagLevel.REGION, regions, as_of)
    if series.alliance is not None:
        whole = detect_pseudo_cooperation(series.alliance, series.partner.values())
        if whole is not None:
            flags.append(GroupFlag(FlagLevel.ALLIANCE, ALLIANCE_KEY, alliance.name, whole))
    return flags


def _flags(
    series: GroupSeries, level: FlagLevel, groups: Sequence[Partner | Region], as_of: date
) -> list[GroupFlag]:
    flags: list[GroupFlag] = []
    for group in sorted(groups, key=lambda g: g.key):
        own = series.of(level).get(group.id or 0, FollowUpSeries(as_of))
        flag = None
        if level == FlagLevel.REGION:
            partners = series.region_partners.get(group.id or 0, {}).values()
            flag = detect_pseudo_cooperation(own, partners)
        flag = flag or detect_follow_up_decline(own)
        if flag is None:
            continue
        unanswered = series.unanswered_since(level, group.id or 0, period_index(flag.since))
        recent = Measures(
            due=flag.after_due,
            on_time=flag.after_on_time,
            overdue=flag.after_open,
            checkins_unanswered=unanswered,
        )
        flags.append(GroupFlag(level, group.key, group.name, flag, recent))
    return flags


def detected_follow_up(session: Session, alliance: Alliance, today: date) -> list[Detected]:
    """Today's follow-up flags, worded in both languages for the episode store."""
    return [
        Detected(
            family=FlagFamily.FOLLOW_UP,
            level=group.level,
            key=group.key,
            kind=group.flag.kind,
            since=group.flag.since,
            explanations={language: explain(Texts(language), group) for language in LANGUAGES},
            numbers={**group.flag.as_dict(), "recent": group.recent.as_dict()},
        )
        for group in follow_up_flags(session, alliance, today)
    ]


def refresh_follow_up_flags(
    session: Session, alliance: Alliance, now: datetime | None = None
) -> list[StoredFlag]:
    """Evaluate today and update the episodes; newly raised flags are announced once."""
    now = now or utcnow()
    local_today = now.astimezone(ZoneInfo(alliance.timezone)).date()
    return sync_flags(
        session,
        alliance,
        [FlagFamily.FOLLOW_UP],
        detected_follow_up(session, alliance, local_today),
        now,
    )
