"""Follow-up flags per partner and per region, as of a day, with their explanation.

The rows come from the database as they were known on `as_of` (agreements made by then);
`bot.core.trends` decides whether a group's follow-up declined. The explanation is written
for the reader, in their language, with the numbers behind the flag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from bot.core.models import Agreement, Alliance, Partner, Region
from bot.core.replies import parse_markup, plain_text
from bot.core.texts import Texts
from bot.core.trends import AgreementFacts, Flag, flag_follow_up


@dataclass(frozen=True)
class GroupFlag:
    level: str  # partner | region
    key: str
    name: str
    flag: Flag

    def to_json(self, texts: Texts) -> dict[str, Any]:
        return {
            "level": self.level,
            "key": self.key,
            "kind": self.flag.kind,
            "since": self.flag.since.isoformat(),
            "explanation": explain(texts, self),
            "numbers": self.flag.as_dict(),
        }


def explain(texts: Texts, group: GroupFlag) -> str:
    markup = texts.render("followup_flag", group=group, flag=group.flag)
    return " ".join(plain_text(b.spans) for b in parse_markup(markup) if hasattr(b, "spans"))


def follow_up_flags(session: Session, alliance: Alliance, as_of: date) -> list[GroupFlag]:
    """Every partner and region whose follow-up declined, using only what was known."""
    rows = session.execute(
        sa_select(
            col(Agreement.owner_partner_id),
            col(Agreement.region_id),
            col(Agreement.made_on),
            col(Agreement.due_on),
            col(Agreement.done_on),
        ).where(
            col(Agreement.alliance_id) == alliance.id,
            col(Agreement.made_on) <= as_of,
            col(Agreement.status) != "dropped",
        )
    ).all()
    by_partner: dict[int, list[AgreementFacts]] = {}
    by_region: dict[int, list[AgreementFacts]] = {}
    for partner_id, region_id, made_on, due_on, done_on in rows:
        facts = AgreementFacts(made_on, due_on, done_on)
        by_partner.setdefault(partner_id, []).append(facts)
        if region_id is not None:
            by_region.setdefault(region_id, []).append(facts)
    partners = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id, col(Partner.active))
    ).all()
    regions = session.exec(
        select(Region).where(Region.alliance_id == alliance.id, col(Region.active))
    ).all()
    return _flags("partner", partners, by_partner, as_of) + _flags(
        "region", regions, by_region, as_of
    )


def _flags(
    level: str,
    groups: Sequence[Partner | Region],
    facts_of: dict[int, list[AgreementFacts]],
    as_of: date,
) -> list[GroupFlag]:
    flags: list[GroupFlag] = []
    for group in sorted(groups, key=lambda g: g.key):
        flag = flag_follow_up(facts_of.get(group.id or 0, []), as_of)
        if flag is not None:
            flags.append(GroupFlag(level, group.key, group.name, flag))
    return flags
