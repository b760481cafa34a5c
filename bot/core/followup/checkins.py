"""Check-ins on agreements: a few friendly questions around the due date, then silence.

An open agreement gets a question a week before its due date, the day before, on the day,
and at most twice after it (one and three weeks late) — to the owner partner's contact, or
its advisers when it has no contact. Any answer ("done", "on track", "stuck", "need help")
updates the agreement and stops all further check-ins for it: nudge, never police.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

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
    utcnow,
)
from bot.core.outbox import (
    DeliveryKind,
    Plan,
    Subject,
    cancel_pending,
    plan_many,
    reachable_of_partners,
)

STAGES = {"week_before": -7, "day_before": -1, "due": 0, "late_1": 7, "late_2": 21}
HORIZON = timedelta(days=60)
RECIPIENT_ROLES = (Role.PARTNER, Role.ADVISER)  # the contacts who can be reached; else advisers
SEND_AT = time(9, 30)
DONE, ON_TRACK, STUCK, NEED_HELP = Verb("ad"), Verb("ao"), Verb("as"), Verb("ah")
ANSWERS = {
    DONE.code: CheckInStatus.DONE,
    ON_TRACK.code: CheckInStatus.ON_TRACK,
    STUCK.code: CheckInStatus.STUCK,
    NEED_HELP.code: CheckInStatus.NEED_HELP,
}


def checkin_buttons(texts: Texts, agreement_id: int) -> tuple[Button, ...]:
    return (
        Button(texts.gettext("Done"), DONE.action(agreement_id), "primary"),
        Button(texts.gettext("On track"), ON_TRACK.action(agreement_id)),
        Button(texts.gettext("Stuck"), STUCK.action(agreement_id), "danger"),
        Button(texts.gettext("Need help"), NEED_HELP.action(agreement_id)),
    )


def plan_checkins(session: Session, alliance: Alliance, today: date) -> int:
    """Plan the check-ins of the coming weeks; idempotent, so the clock may run it daily."""
    zone = ZoneInfo(alliance.timezone)
    answered = select(CheckIn.agreement_id)
    agreements = session.exec(
        select(Agreement).where(
            Agreement.alliance_id == alliance.id,
            Agreement.status == AgreementStatus.OPEN,
            col(Agreement.id).not_in(answered),
            Agreement.due_on >= today - timedelta(days=max(STAGES.values())),
            Agreement.due_on <= today + HORIZON,
        )
    ).all()
    owners = {a.owner_partner_id for a in agreements}
    partners = {p.id: p for p in session.exec(select(Partner).where(col(Partner.id).in_(owners)))}
    people = reachable_of_partners(session, owners, RECIPIENT_ROLES)
    plans: list[Plan] = []
    for agreement in agreements:
        partner = partners.get(agreement.owner_partner_id)
        for person in people.get(agreement.owner_partner_id, []):
            texts = Texts(language_of(person, alliance))
            for stage, offset in STAGES.items():
                day = agreement.due_on + timedelta(days=offset)
                if day < today or day > today + HORIZON:
                    continue
                plans.append(
                    Plan(
                        dedupe_key=f"checkin:{agreement.id}:{stage}:{person.id}",
                        kind=DeliveryKind.CHECKIN,
                        body=texts.render(
                            "checkin", agreement=agreement, stage=stage, partner=partner
                        ),
                        due_at=datetime.combine(day, SEND_AT, tzinfo=zone),
                        person=person,
                        buttons=checkin_buttons(texts, agreement.id or 0),
                        subject=Subject(agreement_id=agreement.id),
                    )
                )
    # one batch: the outbox reads keys, accounts and the weekly cap once for all of them
    return sum(r.outcome == "planned" for r in plan_many(session, alliance, plans))


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
