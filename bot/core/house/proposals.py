"""Proposals for a new message house, and the partners' consent.

Consent is per partner, not per person: whichever of a partner's advisers answers speaks for
that partner, and a second answer from the same partner replaces the first (so a partner can
change its mind while the proposal is open). A proposal is adopted by the consent rule every
proposal shares (`bot.core.consent.rule`): enough partners endorse it (all active partners,
unless the alliance sets a quorum) and no partner objects; an objection holds adoption until
that partner endorses after all, or the proposal is replaced or withdrawn. Nothing in the
current house changes until adoption.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from bot.core.consent import Tally, active_partners, tally
from bot.core.house.content import (
    HouseContent,
    adopt_version,
    current_version,
    open_proposal,
    version_content,
)
from bot.core.house.models import (
    Endorsement,
    EndorsementVerdict,
    HouseVersion,
    Proposal,
    ProposalState,
)
from bot.core.kernel import Alliance, AuditEvent, Partner, Person, Role, utcnow
from bot.core.outbox import DeliveryKind, Subject, cancel_pending


class ProposalError(ValueError):
    """A proposal or an answer that cannot be accepted; `code` names the reason for texts."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


# what the answering functions accept: the enum, or its plain words (the CLI and the button
# table pass those)
Verdict = EndorsementVerdict | Literal["endorse", "object"]


@dataclass(frozen=True)
class ProposalStatus(Tally):
    """A proposal's live tally (endorsed, objected, missing, needed, adoptable), with the
    proposal and the house it proposes."""

    proposal: Proposal
    content: HouseContent


def proposal_content(proposal: Proposal) -> HouseContent:
    return HouseContent.from_dicts(proposal.roof, proposal.pillars)


def proposal_status(session: Session, alliance: Alliance, proposal: Proposal) -> ProposalStatus:
    """The live tally, by the consent rule every proposal shares (`bot.core.consent.rule`)."""
    answers = {
        e.partner_id: (e.verdict, e.reason)
        for e in session.exec(select(Endorsement).where(Endorsement.proposal_id == proposal.id))
    }
    counted = tally(active_partners(session, alliance), answers, alliance.quorum)
    return ProposalStatus(**vars(counted), proposal=proposal, content=proposal_content(proposal))


def _audit(
    session: Session, alliance: Alliance, person: Person, action: str, **detail: object
) -> None:
    session.add(AuditEvent(alliance_id=alliance.id, actor=person.key, action=action, detail=detail))


def propose(
    session: Session,
    alliance: Alliance,
    person: Person,
    content: HouseContent,
    reason: str,
    replace: bool = False,
    *,
    reason_required: bool = True,
) -> Proposal:
    """Open a proposal; an open one is only replaced when the proposer says so.

    The chat asks for a reason, where it helps the partners; the command line's contract
    (`house propose FILE --by PERSON`) never required one, so it passes `reason_required`."""
    if Role.ADVISER not in person.role_set:
        raise ProposalError("not_adviser")
    if reason_required and not reason.strip():
        raise ProposalError("no_reason")
    current = current_version(session, alliance.id or 0)
    if current is not None and version_content(session, current) == content:
        raise ProposalError("no_change")
    existing = open_proposal(session, alliance.id or 0)
    if existing is not None:
        if not replace:
            raise ProposalError("already_open", proposal=existing)
        existing.status = ProposalState.REPLACED
        existing.decided_at = utcnow()
        cancel_pending(session, DeliveryKind.HOUSE, Subject(proposal_id=existing.id))
    proposal = Proposal(
        alliance_id=alliance.id or 0,
        base_version=current.version if current else 0,
        roof=content.roof,
        pillars=content.pillar_dicts(),
        reason=reason.strip(),
        proposed_by_id=person.id,
    )
    session.add(proposal)
    session.flush()
    _audit(
        session, alliance, person, "house.proposed", proposal=proposal.id, replaced=bool(existing)
    )
    return proposal


def answer(
    session: Session, alliance: Alliance, person: Person, verdict: Verdict, reason: str = ""
) -> tuple[ProposalStatus, HouseVersion | None]:
    """Record a partner's endorsement or objection; adopt when that completes the consent."""
    if Role.ADVISER not in person.role_set:
        raise ProposalError("not_adviser")
    partner = session.get(Partner, person.partner_id) if person.partner_id else None
    if partner is None or not partner.active:
        raise ProposalError("no_partner")
    proposal = open_proposal(session, alliance.id or 0)
    if proposal is None:
        raise ProposalError("nothing_open")
    if verdict == EndorsementVerdict.OBJECT and not reason.strip():
        raise ProposalError("objection_needs_reason")
    existing = session.exec(
        select(Endorsement).where(
            Endorsement.proposal_id == proposal.id, Endorsement.partner_id == partner.id
        )
    ).first()
    if existing is None:
        existing = Endorsement(proposal_id=proposal.id or 0, partner_id=partner.id or 0)
        session.add(existing)
    existing.person_id = person.id
    existing.verdict = verdict
    existing.reason = reason.strip() or None
    existing.created_at = utcnow()
    session.flush()
    _audit(session, alliance, person, f"house.{verdict}", proposal=proposal.id, partner=partner.key)
    status = proposal_status(session, alliance, proposal)
    adopted = adopt(session, alliance, status) if status.adoptable else None
    return status, adopted


def adopt(session: Session, alliance: Alliance, status: ProposalStatus) -> HouseVersion:
    proposal = status.proposal
    version = adopt_version(
        session,
        alliance.id or 0,
        status.content,
        source="proposal",
        proposed_by_id=proposal.proposed_by_id,
        proposal_id=proposal.id,
        reason=proposal.reason,
    )
    proposal.status = ProposalState.ADOPTED
    proposal.decided_at = utcnow()
    cancel_pending(session, DeliveryKind.HOUSE, Subject(proposal_id=proposal.id))
    session.add(
        AuditEvent(
            alliance_id=alliance.id,
            actor="system",
            action="house.adopted",
            detail={"proposal": proposal.id, "version": version.version},
        )
    )
    session.flush()
    return version


def withdraw(session: Session, alliance: Alliance, person: Person) -> Proposal:
    """The proposer (or any adviser) takes an open proposal back; the house stays as it is."""
    if Role.ADVISER not in person.role_set:
        raise ProposalError("not_adviser")
    proposal = open_proposal(session, alliance.id or 0)
    if proposal is None:
        raise ProposalError("nothing_open")
    proposal.status = ProposalState.WITHDRAWN
    proposal.decided_at = utcnow()
    cancel_pending(session, DeliveryKind.HOUSE, Subject(proposal_id=proposal.id))
    _audit(session, alliance, person, "house.withdrawn", proposal=proposal.id)
    return proposal


def version_by_number(session: Session, alliance: Alliance, number: int) -> HouseVersion | None:
    return session.exec(
        select(HouseVersion).where(
            HouseVersion.alliance_id == alliance.id, HouseVersion.version == number
        )
    ).first()


def history(session: Session, alliance: Alliance) -> list[HouseVersion]:
    return list(
        session.exec(
            select(HouseVersion)
            .where(HouseVersion.alliance_id == alliance.id)
            .order_by(col(HouseVersion.version))
        )
    )
