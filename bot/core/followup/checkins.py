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

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
    plan_many,
    reachable_of_partners,
)

BEFORE, AFTER = "before", "after"
STAGES = {BEFORE: -1, AFTER: 3}  # days from the due date
LAST_DAY = 7  # no check-in arrives later than this many days after the due date
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
    owners = {a.owner_partner_id for a in agreements}
    partners = {p.id: p for p in session.exec(select(Partner).where(col(Partner.id).in_(owners)))}
    people = reachable_of_partners(session, owners, RECIPIENT_ROLES)
    asked: list[_Asked] = []
    for agreement in agreements:
        partner = partners.get(agreement.owner_partner_id)
        for person in people.get(agreement.owner_partner_id, []):
            texts = Texts(language_of(person, alliance))
            zone = ZoneInfo(timezone_of(person, alliance))
            asked += [_Asked(agreement, partner, person, texts, zone, s) for s in STAGES]
    _cancel_unwanted(session, [a.id or 0 for a in agreements], {a.key for a in asked})
    wanted = [one for one in asked if one.day(today) <= today + HORIZON]
    # one batch: the outbox reads keys, accounts and the weekly cap once for all of them
    results = plan_many(session, alliance, [one.plan(today) for one in wanted])
    planned = 0
    for one, result in zip(wanted, results, strict=True):
        if result.outcome == "planned" and result.delivery is not None:
            one.word_for_arrival(result.delivery, today)
            planned += 1
    return planned


@dataclass(frozen=True)
class _Asked:
    """One check-in: an agreement, one person asked about it, and the stage."""

    agreement: Agreement
    partner: Partner | None
    person: Person
    texts: Texts
    zone: ZoneInfo
    stage: str

    @property
    def key(self) -> str:
        """Once per agreement, stage and person, for this due date: a moved agreement is
        asked about again around its new date."""
        agreement = self.agreement
        return f"checkin:{agreement.id}:{self.stage}:{self.person.id}:{agreement.due_on}"

    def day(self, today: date) -> date:
        """The day it is meant for; today when that has passed (a late registration)."""
        return max(self.agreement.due_on + timedelta(days=STAGES[self.stage]), today)

    def plan(self, today: date) -> Plan:
        due = self.agreement.due_on
        last = due + timedelta(days=0 if self.stage == BEFORE else LAST_DAY)
        day = self.day(today)
        return Plan(
            dedupe_key=self.key,
            kind=DeliveryKind.CHECKIN,
            body=lambda: self.body(wording(day, due)),
            due_at=datetime.combine(day, SEND_AT, tzinfo=self.zone),
            person=self.person,
            buttons=checkin_buttons(self.texts, self.agreement.id or 0),
            expires_at=_start_of(last + timedelta(days=1), self.zone),
            subject=Subject(agreement_id=self.agreement.id),
        )

    def body(self, worded: str) -> str:
        return self.texts.render(
            "checkin",
            agreement=self.agreement,
            wording=worded,
            partner=self.partner,
            partner_name=self.partner.name if self.partner else "",
        )

    def word_for_arrival(self, delivery: Delivery, today: date) -> None:
        """Say what is true on the day the outbox will deliver it (quiet hours and the cap
        may have moved it); "tomorrow" and "today" expire when that day is over."""
        due = self.agreement.due_on
        moment = delivery.due_at
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite's are naive
        arrives = aware.astimezone(self.zone).date()
        worded = wording(arrives, due)
        if worded != wording(self.day(today), due):  # rendered for the day it was meant for
            delivery.body = self.body(worded)
        if worded in ("tomorrow", "today"):
            delivery.expires_at = _start_of(arrives + timedelta(days=1), self.zone)


def _cancel_unwanted(session: Session, agreement_ids: list[int], wanted: set[str]) -> None:
    """Withdraw the waiting check-ins of these agreements that are no longer wanted: those
    for an earlier due date, for someone no longer asked, or planned by an older version."""
    if not agreement_ids:
        return
    waiting = session.exec(
        select(Delivery.id, Delivery.dedupe_key).where(
            col(Delivery.kind) == DeliveryKind.CHECKIN,
            col(Delivery.status) == DeliveryStatus.PENDING,
            col(Delivery.agreement_id).in_(agreement_ids),
        )
    ).all()
    unwanted = [row_id for row_id, key in waiting if key not in wanted]
    if unwanted:
        session.execute(
            update(Delivery)
            .where(col(Delivery.id).in_(unwanted))
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
