"""Agreements that can change: a new due date, or consciously let go.

The practice asks partners to renegotiate an agreement, or let it go, when something else
is needed locally; a register that cannot follow keeps counting a released agreement as
late. Every route (command line, chat, Slack modal, the CSV's `status` column) comes here,
so each change is checked the same way and kept in `AgreementChange` with its reason, who
and when. A dropped agreement counts nowhere in the measures; a moved one counts against
its new date. An undo marks the change undone and puts the agreement back.

Check-ins follow the change: pending ones are cancelled, and their dedupe keys set aside
(renamed) so the planner may plan the new date's check-ins again; after a move the keys of
check-ins already sent are set aside too, because a new date is a new promise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.followup.checkins import plan_checkins
from bot.core.followup.models import Agreement, AgreementChange, AgreementStatus, ChangeKind
from bot.core.kernel import Alliance, AuditEvent, Person, Role, utcnow
from bot.core.outbox import Delivery, DeliveryKind, DeliveryStatus, Subject, cancel_pending

MAX_REASON = 500
SETTLED = (AgreementStatus.DONE, AgreementStatus.DROPPED)


class ChangeError(ValueError):
    """A change that cannot be made; `code` names the reason for the texts."""

    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code  # unknown | not_yours | settled | no_reason | same_due | before_made
        self.details = details  # | not_last


@dataclass(frozen=True)
class Actor:
    """Who changes an agreement: a person from chat, or the operator/CSV (no person)."""

    key: str
    person: Person | None = None

    @classmethod
    def of(cls, person: Person) -> Actor:
        return cls(person.key, person)


def find_agreement(session: Session, alliance: Alliance, key: str) -> Agreement | None:
    """By key as written, else ignoring case (people type `a12` for `A12`), else by the
    number in it when only one key has that number (`12` for `A012`), as `afspraak` does."""
    typed = key.strip()
    rows = session.exec(select(Agreement).where(Agreement.alliance_id == alliance.id)).all()
    exact = next((a for a in rows if a.key == typed), None)
    exact = exact or next((a for a in rows if a.key.casefold() == typed.casefold()), None)
    if exact is not None or not typed.isdigit():
        return exact
    numbered = [a for a in rows if re.sub(r"\D", "", a.key).lstrip("0") == typed.lstrip("0")]
    return numbered[0] if len(numbered) == 1 else None


def may_change(person: Person, agreement: Agreement) -> bool:
    """Advisers (for every partner) and the owner partner's own people."""
    return Role.ADVISER in person.role_set or person.partner_id == agreement.owner_partner_id


def _check(agreement: Agreement, actor: Actor, reason: str) -> str:
    if actor.person is not None and not may_change(actor.person, agreement):
        raise ChangeError("not_yours", key=agreement.key)
    if agreement.status in SETTLED:
        raise ChangeError("settled", key=agreement.key, status=agreement.status)
    reason = " ".join(reason.split())
    if not reason:
        raise ChangeError("no_reason", key=agreement.key)
    return reason[:MAX_REASON]


def move_agreement(
    session: Session, alliance: Alliance, agreement: Agreement, due: date, reason: str, actor: Actor
) -> AgreementChange:
    """A new due date, with the reason; check-ins are planned for the new date."""
    reason = _check(agreement, actor, reason)
    if due == agreement.due_on:
        raise ChangeError("same_due", key=agreement.key, due=due.isoformat())
    if due < agreement.made_on:
        raise ChangeError("before_made", key=agreement.key, made=agreement.made_on.isoformat())
    change = _record(session, agreement, ChangeKind.MOVED, due, agreement.status, reason, actor)
    agreement.due_on = due
    _replan(session, alliance, agreement, change, sent_too=True)
    return change


def drop_agreement(
    session: Session, alliance: Alliance, agreement: Agreement, reason: str, actor: Actor
) -> AgreementChange:
    """Let the agreement go: it counts nowhere from now on and nobody is asked about it."""
    reason = _check(agreement, actor, reason)
    change = _record(
        session,
        agreement,
        ChangeKind.DROPPED,
        agreement.due_on,
        AgreementStatus.DROPPED,
        reason,
        actor,
    )
    agreement.status = AgreementStatus.DROPPED
    _replan(session, alliance, agreement, change, sent_too=False)
    return change


def record_csv_change(
    session: Session,
    alliance: Alliance,
    agreement: Agreement,
    kind: ChangeKind,
    due: date,
    reason: str,
) -> AgreementChange:
    """A change an import brought: kept like any other, its pending check-ins cancelled; the
    daily check-ins job plans the new ones (not one planning run per imported row)."""
    status = {
        ChangeKind.DROPPED: AgreementStatus.DROPPED,
        ChangeKind.REOPENED: AgreementStatus.OPEN,
    }.get(ChangeKind(kind), agreement.status)
    actor = Actor("csv")
    change = _record(session, agreement, kind, due, status, reason[:MAX_REASON], actor)
    agreement.due_on, agreement.status = due, status
    _replan(session, alliance, agreement, change, sent_too=kind == ChangeKind.MOVED, plan=False)
    return change


def _record(
    session: Session,
    agreement: Agreement,
    kind: ChangeKind,
    due: date,
    status: str,
    reason: str,
    actor: Actor,
) -> AgreementChange:
    change = AgreementChange(
        agreement_id=agreement.id or 0,
        kind=kind,
        old_due=agreement.due_on,
        new_due=due,
        old_status=agreement.status,
        new_status=status,
        reason=reason,
        person_id=actor.person.id if actor.person else None,
        actor=actor.key,
    )
    session.add(change)
    agreement.updated_at = utcnow()
    session.add(
        AuditEvent(
            alliance_id=agreement.alliance_id,
            actor=actor.key,
            action=f"agreement.{kind}",
            detail={"agreement": agreement.key, "from": str(change.old_due), "to": str(due)},
        )
    )
    session.flush()
    return change


def undo_change(
    session: Session, alliance: Alliance, change_id: int, actor: Actor
) -> tuple[Agreement, AgreementChange]:
    """Put the agreement back as it was before `change_id`, if that is still its last change
    and nothing has happened to it since (it was not marked done, moved again, ...)."""
    change = session.get(AgreementChange, change_id)
    agreement = session.get(Agreement, change.agreement_id) if change else None
    if change is None or agreement is None or agreement.alliance_id != alliance.id:
        raise ChangeError("unknown")
    if actor.person is not None and not may_change(actor.person, agreement):
        raise ChangeError("not_yours", key=agreement.key)
    last = history(session, agreement)
    current = [c for c in last if c.undone_at is None]
    if (
        change.undone_at is not None
        or not current
        or current[-1].id != change.id
        or agreement.due_on != change.new_due
        or agreement.status != change.new_status
    ):
        raise ChangeError("not_last", key=agreement.key)
    agreement.due_on, agreement.status = change.old_due, change.old_status
    agreement.updated_at = change.undone_at = utcnow()
    change.undone_by = actor.key
    session.add(
        AuditEvent(
            alliance_id=agreement.alliance_id,
            actor=actor.key,
            action="agreement.change_undone",
            detail={"agreement": agreement.key, "change": change.id},
        )
    )
    _replan(session, alliance, agreement, change, sent_too=change.kind == ChangeKind.MOVED)
    return agreement, change


def history(session: Session, agreement: Agreement) -> list[AgreementChange]:
    return list(
        session.exec(
            select(AgreementChange)
            .where(AgreementChange.agreement_id == agreement.id)
            .order_by(col(AgreementChange.created_at), col(AgreementChange.id))
        )
    )


def _replan(
    session: Session,
    alliance: Alliance,
    agreement: Agreement,
    change: AgreementChange,
    *,
    sent_too: bool,
    plan: bool = True,
) -> None:
    """Cancel what was planned, free the keys, and plan again from today (an open agreement
    only: the planner skips done, dropped and answered ones by itself)."""
    about = Subject(agreement_id=agreement.id)
    cancel_pending(session, DeliveryKind.CHECKIN, about)
    statuses = [DeliveryStatus.CANCELLED, *([DeliveryStatus.SENT] if sent_too else [])]
    suffix = f"~c{change.id}{'u' if change.undone_at else ''}"
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == DeliveryKind.CHECKIN,
            col(Delivery.agreement_id) == agreement.id,
            col(Delivery.status).in_(statuses),
            ~col(Delivery.dedupe_key).contains("~"),
        )
        .values(dedupe_key=Delivery.dedupe_key + suffix)
    )
    session.flush()
    if plan and agreement.status not in SETTLED:
        plan_checkins(session, alliance, utcnow().date())
