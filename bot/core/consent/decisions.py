"""Proposing a decision, the partners' answers, adoption, withdrawal and history.

The same rule as the message house (`bot.core.consent.rule`): one answer per partner, a
second answer from the same partner replaces the first, adoption when enough partners
endorse and none objects. Nothing changes until adoption; then the kind's hook runs in the
same transaction as the answer that completed the consent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import Session, col, select

from bot.core.consent.kinds import ConsentError, kind_of
from bot.core.consent.models import (
    Decision,
    DecisionAnswer,
    DecisionKind,
    DecisionStatus,
    Verdict,
)
from bot.core.consent.rule import Tally, active_partners, tally
from bot.core.kernel import Alliance, AuditEvent, Partner, Person, Role, iso_local, utcnow
from bot.core.outbox import DeliveryKind, Subject, cancel_pending

# what the answering functions accept: the enum, or its plain words (CLI and buttons)
AnyVerdict = Verdict | Literal["endorse", "object"]
MAX_VALUE = 200
MAX_REASON = 1000


@dataclass(frozen=True)
class DecisionTally:
    decision: Decision
    tally: Tally

    @property
    def adoptable(self) -> bool:
        return self.decision.status == DecisionStatus.OPEN and self.tally.adoptable


def _audit(session: Session, alliance: Alliance, actor: str, action: str, **detail: object) -> None:
    session.add(AuditEvent(alliance_id=alliance.id, actor=actor, action=action, detail=detail))


def open_decision(session: Session, alliance: Alliance, kind: DecisionKind) -> Decision | None:
    return session.exec(
        select(Decision).where(
            Decision.alliance_id == alliance.id,
            Decision.kind == kind,
            Decision.status == DecisionStatus.OPEN,
        )
    ).first()


def open_decisions(session: Session, alliance: Alliance) -> list[Decision]:
    return list(
        session.exec(
            select(Decision)
            .where(Decision.alliance_id == alliance.id, Decision.status == DecisionStatus.OPEN)
            .order_by(col(Decision.id))
        )
    )


def decision_by_id(session: Session, alliance: Alliance, decision_id: int) -> Decision | None:
    decision = session.get(Decision, decision_id)
    return decision if decision is not None and decision.alliance_id == alliance.id else None


def status(session: Session, alliance: Alliance, decision: Decision) -> DecisionTally:
    answers = {
        a.partner_id: (a.verdict, a.reason)
        for a in session.exec(
            select(DecisionAnswer).where(DecisionAnswer.decision_id == decision.id)
        )
    }
    return DecisionTally(
        decision, tally(active_partners(session, alliance), answers, alliance.quorum)
    )


def history(session: Session, alliance: Alliance, kind: DecisionKind) -> list[Decision]:
    """Every decision of `kind`, oldest first, whatever became of it."""
    return list(
        session.exec(
            select(Decision)
            .where(Decision.alliance_id == alliance.id, Decision.kind == kind)
            .order_by(col(Decision.created_at), col(Decision.id))
        )
    )


def _close(session: Session, decision: Decision, state: DecisionStatus) -> None:
    decision.status = state
    decision.decided_at = utcnow()
    cancel_pending(session, DeliveryKind.DECISION, Subject(decision_id=decision.id))
    session.flush()


def propose(
    session: Session,
    alliance: Alliance,
    person: Person,
    kind: DecisionKind,
    value: str,
    reason: str,
    replace: bool = False,
) -> Decision:
    """Open a proposal of `kind`; an open one of that kind is only replaced when asked."""
    if Role.ADVISER not in person.role_set:
        raise ConsentError("not_adviser")
    entry = kind_of(kind)
    if not reason.strip():
        raise ConsentError("no_reason")
    if len(reason) > MAX_REASON or len(value) > MAX_VALUE:
        raise ConsentError("too_long", limit=MAX_REASON)
    stored = entry.check(session, alliance, value.strip())
    if entry.current(session, alliance) == stored:
        raise ConsentError("no_change", value=stored)
    existing = open_decision(session, alliance, entry.kind)
    if existing is not None:
        if not replace:
            raise ConsentError("already_open", decision=existing)
        _close(session, existing, DecisionStatus.REPLACED)
    decision = Decision(
        alliance_id=alliance.id or 0,
        kind=entry.kind,
        value=stored,
        reason=reason.strip(),
        proposed_by_id=person.id,
    )
    session.add(decision)
    session.flush()
    _audit(session, alliance, person.key, f"{kind}.proposed", decision=decision.id, value=stored)
    return decision


def answering_partner(session: Session, person: Person) -> Partner:
    """The partner `person` answers for; refuses those who answer for none."""
    if Role.ADVISER not in person.role_set:
        raise ConsentError("not_adviser")
    partner = session.get(Partner, person.partner_id) if person.partner_id else None
    if partner is None or not partner.active:
        raise ConsentError("no_partner")
    return partner


def answer(
    session: Session,
    alliance: Alliance,
    person: Person,
    decision: Decision,
    verdict: AnyVerdict,
    reason: str = "",
) -> tuple[DecisionTally, bool]:
    """Record a partner's answer; adopt when that completes the consent (True)."""
    partner = answering_partner(session, person)
    if decision.status != DecisionStatus.OPEN or decision.alliance_id != alliance.id:
        raise ConsentError("not_open")
    if verdict not in (Verdict.ENDORSE, Verdict.OBJECT):
        raise ConsentError("bad_verdict")
    if verdict == Verdict.OBJECT and not reason.strip():
        raise ConsentError("objection_needs_reason")
    row = session.exec(
        select(DecisionAnswer).where(
            DecisionAnswer.decision_id == decision.id, DecisionAnswer.partner_id == partner.id
        )
    ).first()
    if row is None:
        row = DecisionAnswer(decision_id=decision.id or 0, partner_id=partner.id or 0)
        session.add(row)
    row.person_id = person.id
    row.verdict = Verdict(verdict)
    row.reason = reason.strip()[:MAX_REASON] or None
    row.created_at = utcnow()
    session.flush()
    _audit(
        session,
        alliance,
        person.key,
        f"{decision.kind}.{verdict}",
        decision=decision.id,
        partner=partner.key,
    )
    current = status(session, alliance, decision)
    if not current.adoptable:
        return current, False
    adopt(session, alliance, decision)
    return current, True


def adopt(session: Session, alliance: Alliance, decision: Decision) -> None:
    """Close the decision as adopted and let its kind do what adoption means."""
    _close(session, decision, DecisionStatus.ADOPTED)
    kind_of(decision.kind).adopt(session, alliance, decision)
    _audit(session, alliance, "system", f"{decision.kind}.adopted", decision=decision.id)
    session.flush()


def withdraw(session: Session, alliance: Alliance, person: Person, decision: Decision) -> Decision:
    """Any adviser takes an open proposal back; nothing changes."""
    if Role.ADVISER not in person.role_set:
        raise ConsentError("not_adviser")
    if decision.status != DecisionStatus.OPEN or decision.alliance_id != alliance.id:
        raise ConsentError("not_open")
    _close(session, decision, DecisionStatus.WITHDRAWN)
    _audit(session, alliance, person.key, f"{decision.kind}.withdrawn", decision=decision.id)
    return decision


def decision_json(session: Session, alliance: Alliance, decision: Decision) -> dict[str, object]:
    """A decision for `--json`: moments with the alliance's offset, partners by key."""
    counted = status(session, alliance, decision).tally
    proposer = session.get(Person, decision.proposed_by_id) if decision.proposed_by_id else None
    return {
        "id": decision.id,
        "kind": decision.kind,
        "value": decision.value,
        "reason": decision.reason,
        "status": decision.status,
        "proposed_by": proposer.key if proposer else None,
        "created_at": iso_local(decision.created_at, alliance.timezone),
        "decided_at": iso_local(decision.decided_at, alliance.timezone),
        "endorsed_by": [p.key for p in counted.endorsed],
        "objections": [{"partner": p.key, "reason": why} for p, why in counted.objected],
        "missing": [p.key for p in counted.missing],
        "needed": counted.needed,
    }
