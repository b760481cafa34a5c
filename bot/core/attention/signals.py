"""Regional signals: what ambassadors see locally, carried to the national table and back.

An ambassador sends a signal (named, or anonymous if they choose); it is posted to the
advisers' channel through the outbox with two buttons. When an adviser marks it "on the
agenda" or "answered", the ambassador hears back: the loop that makes signalling worth it.
"""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.core.attention.models import Signal, SignalStatus
from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Button,
    Person,
    Region,
    Texts,
    Verb,
    language_of,
    utcnow,
)
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_delivery

MAX_SIGNAL = 2000
ON_AGENDA = Verb("sa")
ANSWERED = Verb("sn")
STATUS_VERBS = {ON_AGENDA.code: SignalStatus.ON_AGENDA, ANSWERED.code: SignalStatus.ANSWERED}


def record_signal(
    session: Session,
    alliance: Alliance,
    person: Person,
    text: str,
    anonymous: bool,
    with_region: bool = True,
) -> Signal:
    """Store a signal and tell the advisers; `with_region=False` leaves the region out where
    naming it would name the sender (an anonymous pulse answer from a small region)."""
    region_id = person.region_id if with_region else None
    signal = Signal(
        alliance_id=alliance.id or 0,
        person_id=person.id,
        region_id=region_id,
        text=text.strip()[:MAX_SIGNAL],
        anonymous=anonymous,
    )
    session.add(signal)
    session.flush()
    if alliance.adviser_channel:
        texts = Texts(alliance.language)
        region = session.get(Region, region_id) if region_id else None
        plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=f"signal:{signal.id}",
                kind=DeliveryKind.SIGNAL,
                body=texts.render(
                    "signal_notice",
                    signal=signal,
                    author=None if anonymous else person.name,
                    region=region.name if region else None,
                ),
                due_at=utcnow(),
                channel=alliance.adviser_channel,
                buttons=status_buttons(texts, signal.id or 0),
                subject=Subject(signal_id=signal.id),
            ),
        )
    return signal


def status_buttons(texts: Texts, signal_id: int) -> tuple[Button, ...]:
    return (
        Button(texts.gettext("On the agenda"), ON_AGENDA.action(signal_id), "primary"),
        Button(texts.gettext("Answered"), ANSWERED.action(signal_id)),
    )


def mark_signal(
    session: Session, alliance: Alliance, adviser: Person, signal: Signal, status: SignalStatus
) -> bool:
    """Mark a signal and let its sender know; False when it already had that status."""
    if signal.status == status:
        return False
    signal.status = status
    signal.updated_at = utcnow()
    session.add(
        AuditEvent(
            alliance_id=alliance.id,
            actor=adviser.key,
            action=f"signal.{status}",
            detail={"signal": signal.id},
        )
    )
    sender = session.get(Person, signal.person_id) if signal.person_id else None
    if sender is not None:
        texts = Texts(language_of(sender, alliance))
        plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=f"signal:{signal.id}:{status}",
                kind=DeliveryKind.SIGNAL,
                body=texts.render("signal_heard_back", signal=signal, status=status),
                due_at=utcnow(),
                person=sender,
                subject=Subject(signal_id=signal.id),
            ),
        )
    return True


def open_signals(session: Session, alliance: Alliance, limit: int = 10) -> list[Signal]:
    """The newest signals not answered yet (`count_open_signals` says how many in all)."""
    return list(
        session.exec(
            select(Signal)
            .where(Signal.alliance_id == alliance.id, col(Signal.status) != SignalStatus.ANSWERED)
            .order_by(col(Signal.created_at).desc(), col(Signal.id).desc())
            .limit(limit)
        )
    )


def count_open_signals(session: Session, alliance: Alliance) -> int:
    return session.exec(
        select(func.count())
        .select_from(Signal)
        .where(Signal.alliance_id == alliance.id, col(Signal.status) != SignalStatus.ANSWERED)
    ).one()
