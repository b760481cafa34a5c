"""The consent rule, once for every proposal the partners answer (the message house's and
every decision kind's).

Consent is per partner, not per person: whichever of a partner's advisers answers speaks for
that partner. A proposal is adoptable when enough active partners endorse it (all of them,
unless the alliance sets a quorum) and no active partner objects: an objection holds adoption
until that partner endorses after all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlmodel import Session, col, select

from bot.core.consent.models import Verdict
from bot.core.kernel import Alliance, Partner


@dataclass(frozen=True)
class Tally:
    endorsed: tuple[Partner, ...]
    objected: tuple[tuple[Partner, str], ...]  # with the reason
    missing: tuple[Partner, ...]
    needed: int  # endorsements needed for adoption

    @property
    def adoptable(self) -> bool:
        return not self.objected and len(self.endorsed) >= self.needed


def active_partners(session: Session, alliance: Alliance) -> list[Partner]:
    return list(
        session.exec(
            select(Partner)
            .where(Partner.alliance_id == alliance.id, col(Partner.active))
            .order_by(col(Partner.name))
        )
    )


def tally(
    partners: Sequence[Partner],
    answers: Mapping[int, tuple[str, str | None]],
    quorum: int | None,
) -> Tally:
    """Count `answers` (partner id -> verdict and reason) of the active `partners`; answers of
    partners no longer active do not count."""

    def verdict(partner: Partner) -> str | None:
        answer = answers.get(partner.id or 0)
        return answer[0] if answer else None

    endorsed = tuple(p for p in partners if verdict(p) == Verdict.ENDORSE)
    objected = tuple(
        (p, answers[p.id or 0][1] or "") for p in partners if verdict(p) == Verdict.OBJECT
    )
    missing = tuple(p for p in partners if verdict(p) is None)
    needed = min(quorum or len(partners), len(partners))
    return Tally(endorsed, objected, missing, needed)
