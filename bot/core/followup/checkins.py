"""Check-ins on agreements: at most two friendly questions, then silence.

Per agreement and contact, one question before the due date (the day before) and one after
it (a few days late); none later than a week after the due date. They go to the owner
partner's contact, or its advisers when it has no contact. Any answer ("done", "on track",
"stuck", "need help") updates the agreement and stops the other one: nudge, never police.

A question says what is true on the day it arrives. The outbox may move it (quiet hours,
the weekly cap, a mute), so it is worded after planning, from the day it will arrive in the
reader's own zone: "tomorrow" only when it really arrives the day before, otherwise the date
("was due on 27 November"). One worded "tomorrow" or "today" expires at the end of that day,
so a later hold-up by the worker cannot make it untrue; it is then simply not sent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from bot.core.followup.models import Agreement, AgreementStatus, CheckIn, CheckInStatus
from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Button,
    Partner,
    Person,
    Role,
    Texts,
    Verb,
    language_of,
    local_date,
    timezone_of,
    utcnow,
)
from bot.core.outbox import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Plan,
    Subject,
    cancel_pending,
    plan_delivery,
    reachable_of_partner,
)

BEFORE, AFTER = "before", "after"
STAGES = {BEFORE: -1, AFTER: 3}  # days from the due date
LAST_DAY = 7  # no check-in arrives later than this many days after the due date
HORIZON = timedelta(days=60)
SEND_AT = time(9, 30)
DONE, ON_TRACK, STUCK, NEED_HELP = Verb("ad"), Verb("ao"), Verb("as"), Verb("ah")
ANSWERS = {
    DONE.code: CheckInStatus.DONE,
    ON_TRACK.code: CheckInStatus.ON_TRACK,
    STUCK.code: CheckInStatus.STUCK,
    NEED_HELP.code: CheckInStatus.NEED_HELP,
}


def recipients(session: Session, agreement: Agreement) -> list[Person]:
    """The partner's contacts who can be reached; else its advisers who can."""
    return reachable_of_partner(session, agreement.owner_partner_id, (Role.PARTNER, Role.ADVISER))


def checkin_buttons(texts: Texts, agreement_id: int) -> tuple[Button, ...]:
    return (
        Button(texts.gettext("Done"), DONE.action(agreement_id), "primary"),
        Button(texts.gettext("On track"), ON_TRACK.action(agreement_id)),
        Button(texts.gettext("Stuck"), STUCK.action(agreement_id), "danger"),
        Button(texts.gettext("Need help"), NEED_HELP.action(agreement_id)),
    )


def wording(arrives: date, due: date) -> str:
    """How a check-in arriving on `arrives` speaks of the due date: `tomorrow` and `today`
    only on those very days; otherwise it names the date (`ahead`, `late`)."""
    if arrives < due - timedelta(days=1):
        return "ahead"
    if arrives == due - timedelta(days=1):
        return "tomorrow"
    return "today" if arrives == due else "late"


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def plan_checkins(session: Session, alliance: Alliance, today: date) -> int:
    """Plan the check-ins of the coming weeks; idempotent, so the clock may run it daily."""
    _cancel_settled(session, alliance)
    answered = select(CheckIn.agreement_id)
    agreements = session.exec(
        select(Agreement).where(
            Agreement.alliance_id == alliance.id,
            Agreement.status == AgreementStatus.OPEN,
            col(Agreement.id).not_in(answered),
            Agreement.due_on >= today - timedelta(days=LAST_DAY),
            Agreement.due_on <= today + HORIZON,
        )
    ).all()
    planned = 0
    for agreement in agreements:
        partner = session.get(Partner, agreement.owner_partner_id)
        wanted: set[str] = set()
        for person in recipients(session, agreement):
            for stage in STAGES:
                key = _key(agreement, stage, person)
                wanted.add(key)
                planned += _plan_one(session, alliance, agreement, partner, person, stage, today)
        _cancel_unwanted(session, agreement, wanted)
    return planned


def _key(agreement: Agreement, stage: str, person: Person) -> str:
    """Once per agreement, stage and person, for this due date: a moved agreement is asked
    about again around its new date."""
    return f"checkin:{agreement.id}:{stage}:{person.id}:{agreement.due_on.isoformat()}"


def _plan_one(
    session: Session,
    alliance: Alliance,
    agreement: Agreement,
    partner: Partner | None,
    person: Person,
    stage: str,
    today: date,
) -> int:
    """Plan one stage for one person (1 if planned now), worded for the day it arrives."""
    day = max(agreement.due_on + timedelta(days=STAGES[stage]), today)
    if day > today + HORIZON:
        return 0
    zone = ZoneInfo(timezone_of(person, alliance))
    last = agreement.due_on + timedelta(days=0 if stage == BEFORE else LAST_DAY)
    texts = Texts(language_of(person, alliance))
    result = plan_delivery(
        session,
        alliance,
        Plan(
            dedupe_key=_key(agreement, stage, person),
            kind=DeliveryKind.CHECKIN,
            body=_body(texts, agreement, partner, wording(day, agreement.due_on)),
            due_at=datetime.combine(day, SEND_AT, tzinfo=zone),
            person=person,
            buttons=checkin_buttons(texts, agreement.id or 0),
            expires_at=_start_of(last + timedelta(days=1), zone),
            subject=Subject(agreement_id=agreement.id),
        ),
    )
    if result.outcome != "planned" or result.delivery is None:
        return 0
    delivery = result.delivery
    arrives = delivery.due_at.astimezone(zone).date()
    worded = wording(arrives, agreement.due_on)
    delivery.body = _body(texts, agreement, partner, worded)
    if worded in ("tomorrow", "today"):
        delivery.expires_at = _start_of(arrives + timedelta(days=1), zone)
    return 1


def _body(texts: Texts, agreement: Agreement, partner: Partner | None, worded: str) -> str:
    return texts.render(
        "checkin",
        agreement=agreement,
        wording=worded,
        partner=partner,
        partner_name=partner.name if partner else "",
    )


def _cancel_unwanted(session: Session, agreement: Agreement, wanted: set[str]) -> None:
    """Withdraw this agreement's waiting check-ins that are no longer wanted: those for
    an earlier due date, for someone no longer asked, or planned by an older version."""
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == DeliveryKind.CHECKIN,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.agreement_id) == agreement.id,
            col(Delivery.dedupe_key).not_in(wanted),
        )
        .values(status=DeliveryStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


def _cancel_settled(session: Session, alliance: Alliance) -> None:
    """Withdraw waiting check-ins of agreements settled without an answer to one (marked
    done in the CSV, dropped): nobody should be asked about those."""
    settled = select(Agreement.id).where(
        Agreement.alliance_id == alliance.id,
        col(Agreement.status).in_((AgreementStatus.DONE, AgreementStatus.DROPPED)),
    )
    session.execute(
        update(Delivery)
        .where(
            col(Delivery.kind) == DeliveryKind.CHECKIN,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.agreement_id).in_(settled),
        )
        .values(status=DeliveryStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )


def record_answer(
    session: Session, agreement: Agreement, person: Person, answer: CheckInStatus, note: str = ""
) -> None:
    """An answer from anyone of the owner partner (or an adviser): status, and silence."""
    session.add(
        CheckIn(
            agreement_id=agreement.id or 0, person_id=person.id, status=answer, note=note or None
        )
    )
    if answer == CheckInStatus.DONE:
        agreement.status = AgreementStatus.DONE
        alliance = session.get(Alliance, person.alliance_id)
        today = local_date(utcnow(), person, alliance) if alliance else utcnow().date()
        agreement.done_on = agreement.done_on or today  # the day it was done where they are
    elif answer == CheckInStatus.ON_TRACK:
        agreement.status = AgreementStatus.ON_TRACK
    elif answer == CheckInStatus.STUCK:
        agreement.status = AgreementStatus.STUCK
    agreement.updated_at = utcnow()
    cancel_pending(session, DeliveryKind.CHECKIN, Subject(agreement_id=agreement.id))
    session.add(
        AuditEvent(
            alliance_id=agreement.alliance_id,
            actor=person.key,
            action=f"agreement.{answer}",
            detail={"agreement": agreement.key},
        )
    )


def may_answer(person: Person, agreement: Agreement) -> bool:
    return Role.ADVISER in person.role_set or person.partner_id == agreement.owner_partner_id
