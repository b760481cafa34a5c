"""`afspraken` as a list one can walk through, narrow down and open, in every chat.

A chat user cannot run the command line, so the list itself must lead on: a page at a time
with a "more" button (and `afspraken 2` where buttons are awkward), narrowed by partner,
region or state (`afspraken woonkracht`, `afspraken te laat`), each agreement opened with
`afspraak A012` or its button, and a stuck agreement shows why it is stuck.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlmodel import Session, col, select

from bot.core.followup.agreements import CLOSED
from bot.core.followup.models import Agreement, AgreementStatus, CheckIn, CheckInStatus
from bot.core.kernel import Alliance, Partner, Region, Verb

PAGE_SIZE = 10
MORE, OPEN = Verb("agm", 2), Verb("agv")
_FILTER_CODE = re.compile(r"p(?P<partner>\d+)r(?P<region>\d+)s(?P<state>[a-z_]+)")


class Narrow(StrEnum):
    """Which agreements a list shows, besides partner and region."""

    OPEN = "open"  # every agreement still to do (the default)
    LATE = "late"  # open and past its due date
    STUCK = "stuck"
    ON_TRACK = "on_track"
    DONE = "done"


# Words (and two-word phrases) that narrow the list by state, both languages.
STATE_WORDS: dict[str, Narrow] = {
    "te laat": Narrow.LATE,
    "laat": Narrow.LATE,
    "late": Narrow.LATE,
    "overdue": Narrow.LATE,
    "loopt vast": Narrow.STUCK,
    "vast": Narrow.STUCK,
    "stuck": Narrow.STUCK,
    "op schema": Narrow.ON_TRACK,
    "on track": Narrow.ON_TRACK,
    "klaar": Narrow.DONE,
    "done": Narrow.DONE,
    "open": Narrow.OPEN,
}


@dataclass(frozen=True)
class Filter:
    partner_id: int = 0  # 0: every partner
    region_id: int = 0
    state: Narrow = Narrow.OPEN
    page: int = 1

    def code(self) -> str:
        """Compact, for a button (`p3r0slate`)."""
        return f"p{self.partner_id}r{self.region_id}s{self.state}"

    @classmethod
    def from_code(cls, code: str, page: str) -> Filter | None:
        match = _FILTER_CODE.fullmatch(code)
        if match is None or not page.isdigit() or match.group("state") not in set(Narrow):
            return None
        return cls(
            int(match.group("partner")),
            int(match.group("region")),
            Narrow(match.group("state")),
            max(1, min(int(page), 10_000)),
        )


@dataclass(frozen=True)
class Unknown:
    """A word in the arguments that names no partner, region, state or page."""

    word: str


def parse_filter(session: Session, alliance: Alliance, args: str) -> Filter | Unknown:
    """`woonkracht te laat 2` → partner woonkracht, late ones, page 2."""
    text = " ".join(args.lower().split())
    state = Narrow.OPEN
    for phrase in sorted(STATE_WORDS, key=len, reverse=True):
        padded = f" {text} "
        if f" {phrase} " in padded:
            state = STATE_WORDS[phrase]
            text = padded.replace(f" {phrase} ", " ", 1).strip()
            break
    partners = session.exec(select(Partner).where(Partner.alliance_id == alliance.id)).all()
    regions = session.exec(select(Region).where(Region.alliance_id == alliance.id)).all()
    partner_id = region_id = 0
    page = 1
    for word in text.split():
        if word.isdigit() and len(word) <= 5:
            page = max(1, int(word))
            continue
        partner = next((p for p in partners if word in (p.key, p.name.lower())), None)
        region = next((r for r in regions if word in (r.key, r.name.lower())), None)
        if partner is not None and not partner_id:
            partner_id = partner.id or 0
        elif region is not None and not region_id:
            region_id = region.id or 0
        else:
            return Unknown(word[:40])
    return Filter(partner_id, region_id, state, page)


def matching(session: Session, alliance: Alliance, wanted: Filter, today: date) -> list[Agreement]:
    """The agreements a filter selects, soonest due first."""
    query = select(Agreement).where(Agreement.alliance_id == alliance.id)
    if wanted.partner_id:
        query = query.where(Agreement.owner_partner_id == wanted.partner_id)
    if wanted.region_id:
        query = query.where(Agreement.region_id == wanted.region_id)
    if wanted.state == Narrow.DONE:
        query = query.where(Agreement.status == AgreementStatus.DONE)
    else:
        query = query.where(col(Agreement.status).not_in(CLOSED))
    if wanted.state == Narrow.LATE:
        query = query.where(col(Agreement.due_on) < today)
    elif wanted.state in (Narrow.STUCK, Narrow.ON_TRACK):
        query = query.where(Agreement.status == wanted.state.value)
    order = col(Agreement.done_on).desc() if wanted.state == Narrow.DONE else col(Agreement.due_on)
    return list(session.exec(query.order_by(order, col(Agreement.key))))


def stuck_reasons(session: Session, agreements: list[Agreement]) -> dict[int, str]:
    """Why each stuck agreement is stuck: the note of its latest "stuck" check-in."""
    ids = [a.id for a in agreements if a.status == AgreementStatus.STUCK and a.id]
    reasons: dict[int, str] = {}
    if not ids:
        return reasons
    rows = session.exec(
        select(CheckIn)
        .where(col(CheckIn.agreement_id).in_(ids), CheckIn.status == CheckInStatus.STUCK)
        .order_by(col(CheckIn.created_at), col(CheckIn.id))
    )
    for checkin in rows:
        if checkin.note:
            reasons[checkin.agreement_id] = checkin.note
    return reasons


def find_agreement(session: Session, alliance: Alliance, typed: str) -> Agreement | None:
    """`A012`, `a012` or just `12`: the agreement with that key (or that number in it)."""
    typed = typed.strip()
    if not typed:
        return None
    rows = session.exec(select(Agreement).where(Agreement.alliance_id == alliance.id)).all()
    exact = [a for a in rows if a.key.lower() == typed.lower()]
    if exact:
        return exact[0]
    if typed.isdigit():
        numbered = [a for a in rows if re.sub(r"\D", "", a.key).lstrip("0") == typed.lstrip("0")]
        return numbered[0] if len(numbered) == 1 else None
    return None
