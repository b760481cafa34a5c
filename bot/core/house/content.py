"""The message house: the shared core message, versioned, never overwritten.

A version's content is a `HouseContent` value, so that "did anything change?" is a plain
equality test and a proposal, the alliance file and an adopted version all speak the same
shape.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.core.house.models import (
    Endorsement,
    EndorsementVerdict,
    HouseVersion,
    Pillar,
    ProofPoint,
    Proposal,
    ProposalState,
)
from bot.core.kernel import Alliance, Partner, Texts, iso_local, local_day, utcnow


@dataclass(frozen=True)
class PillarContent:
    title: str
    message: str
    proof: tuple[str, ...] = ()


@dataclass(frozen=True)
class HouseContent:
    roof: str
    pillars: tuple[PillarContent, ...]

    @classmethod
    def from_dicts(cls, roof: str, pillars: Sequence[dict[str, Any]]) -> HouseContent:
        return cls(
            roof,
            tuple(
                PillarContent(p["title"], p["message"], tuple(p.get("proof", ()))) for p in pillars
            ),
        )

    def pillar_dicts(self) -> list[dict[str, Any]]:
        return [
            {"title": p.title, "message": p.message, "proof": list(p.proof)} for p in self.pillars
        ]


@dataclass(frozen=True)
class HouseView:
    """The current house as everyone sees it, with who stands behind it."""

    version: int
    content: HouseContent
    adopted_at: date
    source: str
    endorsed_by: tuple[Partner, ...]
    missing: tuple[Partner, ...]
    proposal: Proposal | None
    # answers to the open proposal: who endorsed it, and who objects and why
    proposal_endorsed_by: tuple[Partner, ...] = ()
    objections: tuple[tuple[Partner, str], ...] = ()

    def to_json(self, zone: str = "UTC") -> dict[str, Any]:
        """`house --json`; times carry the offset of `zone` (the alliance's)."""
        return {
            "version": self.version,
            "roof": self.content.roof,
            "pillars": self.content.pillar_dicts(),
            "endorsed_by": [p.key for p in self.endorsed_by],
            "adopted_at": _iso(self.adopted_at, zone),
            "source": self.source,
            "proposal": _proposal_json(
                self.proposal, self.proposal_endorsed_by, self.objections, zone
            ),
        }


def _proposal_json(
    proposal: Proposal | None,
    endorsed_by: tuple[Partner, ...],
    objections: tuple[tuple[Partner, str], ...],
    zone: str = "UTC",
) -> dict[str, Any] | None:
    if proposal is None:
        return None
    return {
        "endorsed_by": [p.key for p in endorsed_by],
        "objections": [{"partner": p.key, "reason": reason} for p, reason in objections],
        "id": proposal.id,
        "base_version": proposal.base_version,
        "roof": proposal.roof,
        "pillars": proposal.pillars,
        "reason": proposal.reason,
        "created_at": iso_local(proposal.created_at, zone),
    }


def _iso(moment: date, zone: str) -> str:
    """A version's adoption: a moment with the zone's offset (a bare date stays a date)."""
    if isinstance(moment, datetime):
        return iso_local(moment, zone) or ""
    return moment.isoformat()


def current_version(session: Session, alliance_id: int) -> HouseVersion | None:
    return session.exec(
        select(HouseVersion)
        .where(HouseVersion.alliance_id == alliance_id)
        .order_by(col(HouseVersion.version).desc())
        .limit(1)
    ).first()


def last_version_from_file(session: Session, alliance_id: int) -> HouseVersion | None:
    return session.exec(
        select(HouseVersion)
        .where(HouseVersion.alliance_id == alliance_id, HouseVersion.source == "alliance_file")
        .order_by(col(HouseVersion.version).desc())
        .limit(1)
    ).first()


def version_content(session: Session, version: HouseVersion) -> HouseContent:
    pillars = session.exec(
        select(Pillar).where(Pillar.house_version_id == version.id).order_by(col(Pillar.position))
    ).all()
    pillar_ids = [p.id for p in pillars]
    proofs: dict[int, list[str]] = {pid: [] for pid in pillar_ids if pid is not None}
    for proof in session.exec(
        select(ProofPoint)
        .where(col(ProofPoint.pillar_id).in_(pillar_ids))
        .order_by(col(ProofPoint.position))
    ):
        proofs[proof.pillar_id].append(proof.text)
    return HouseContent(
        version.roof,
        tuple(PillarContent(p.title, p.message, tuple(proofs[p.id or 0])) for p in pillars),
    )


def adopt_version(
    session: Session,
    alliance_id: int,
    content: HouseContent,
    *,
    source: str,
    proposed_by_id: int | None = None,
    proposal_id: int | None = None,
    reason: str | None = None,
) -> HouseVersion:
    """Add the next version; older versions stay as they were."""
    previous = current_version(session, alliance_id)
    version = HouseVersion(
        alliance_id=alliance_id,
        version=(previous.version + 1) if previous else 1,
        roof=content.roof,
        adopted_at=utcnow(),
        proposed_by_id=proposed_by_id,
        proposal_id=proposal_id,
        source=source,
        reason=reason,
    )
    session.add(version)
    session.flush()
    for position, pillar in enumerate(content.pillars):
        row = Pillar(
            house_version_id=version.id or 0,
            position=position,
            title=pillar.title,
            message=pillar.message,
        )
        session.add(row)
        session.flush()
        for proof_position, text in enumerate(pillar.proof):
            session.add(ProofPoint(pillar_id=row.id or 0, position=proof_position, text=text))
    session.flush()
    return version


def open_proposal(session: Session, alliance_id: int) -> Proposal | None:
    return session.exec(
        select(Proposal).where(
            Proposal.alliance_id == alliance_id, Proposal.status == ProposalState.OPEN
        )
    ).first()


def house_view(session: Session, alliance: Alliance) -> HouseView | None:
    """The current house with its endorsing partners; None when no house exists yet."""
    assert alliance.id is not None
    version = current_version(session, alliance.id)
    if version is None:
        return None
    partners = session.exec(
        select(Partner)
        .where(Partner.alliance_id == alliance.id, col(Partner.active))
        .order_by(col(Partner.name))
    ).all()
    endorsed_ids: set[int] = set()
    if version.proposal_id is not None:
        endorsed_ids = {
            e.partner_id
            for e in session.exec(
                select(Endorsement).where(
                    Endorsement.proposal_id == version.proposal_id,
                    Endorsement.verdict == EndorsementVerdict.ENDORSE,
                )
            )
        }
    proposal = open_proposal(session, alliance.id)
    answers = (
        {
            e.partner_id: e
            for e in session.exec(select(Endorsement).where(Endorsement.proposal_id == proposal.id))
        }
        if proposal is not None
        else {}
    )
    return HouseView(
        version=version.version,
        content=version_content(session, version),
        adopted_at=local_day(version.adopted_at, alliance.timezone),  # the alliance's day
        source=version.source,
        endorsed_by=tuple(p for p in partners if p.id in endorsed_ids),
        missing=tuple(p for p in partners if p.id not in endorsed_ids),
        proposal=proposal,
        proposal_endorsed_by=tuple(
            p
            for p in partners
            if p.id in answers and answers[p.id].verdict == EndorsementVerdict.ENDORSE
        ),
        objections=tuple(
            (p, answers[p.id].reason or "")
            for p in partners
            if p.id in answers and answers[p.id].verdict == EndorsementVerdict.OBJECT
        ),
    )


def house_markup(
    session: Session,
    alliance: Alliance,
    texts: Texts,
    partner: Partner | None = None,
    notes: dict[str, str] | None = None,
    **values: object,
) -> str:
    """The current house as small markup (with one partner's notes), or why there is none."""
    view = house_view(session, alliance)
    if view is None:
        return texts.render("house_missing", **values)
    return texts.render(
        "house",
        view=view,
        alliance=alliance,
        notes=notes or {},
        partner_name=partner.name if partner else "",
        **values,
    )
