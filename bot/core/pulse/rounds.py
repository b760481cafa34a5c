"""Pulse rounds: a few taps on energy and trust, anonymous, on the alliance's rhythm.

A round asks energy and trust (always), one statement from the question bank (a lens in
turn) and, optionally, one open question. Each invited person gets one message with the
first question and five buttons; every tap records the answer and brings the next
question, so answering takes as many taps as there are questions. Answers can be changed
until the round closes (one answer per person per question: the row is updated in place).

Reminders are planned at opening, at most two, and cancelled as soon as the person has
answered the scale questions: the outbox keeps them within quiet hours and the weekly cap,
and drops them when the round has closed (`expires_at`). Opening is idempotent: while a
round is open, opening again only invites who was missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, func, select

from bot.core.kernel import (
    Alliance,
    AuditEvent,
    Button,
    Person,
    Role,
    Texts,
    Verb,
    language_of,
    local_date,
    utcnow,
)
from bot.core.outbox import DeliveryKind, Plan, Subject, cancel_pending, plan_many
from bot.core.pulse.models import PulseAnswer, PulseQuestion, PulseRound, RoundKind
from bot.core.pulse.questions import (
    FIXED,
    OPEN,
    SCALE,
    bank_question_for,
    lens_check_questions,
    question_text,
)

ROUND_DAYS = 5
REMINDER_DAYS = (2, 4)  # after opening; never more than two
REMINDER_AT = time(10, 0)
ANSWER = Verb("pa", arity=2)
CHANGE = Verb("pc")


@dataclass(frozen=True)
class RoundOpened:
    round: PulseRound
    created: bool
    invited: int  # newly planned invitations
    unreachable: int  # audience members without a reachable account
    waiting: int  # invitations planned for later: quiet hours, a mute or the weekly cap


def open_round_of(session: Session, alliance: Alliance) -> PulseRound | None:
    return session.exec(
        select(PulseRound).where(
            PulseRound.alliance_id == alliance.id, col(PulseRound.closed_at).is_(None)
        )
    ).first()


def audience(session: Session, alliance: Alliance, pulse_round: PulseRound) -> list[Person]:
    roles = set(pulse_round.audience.split(","))
    people = session.exec(
        select(Person)
        .where(Person.alliance_id == alliance.id, col(Person.active))
        .order_by(col(Person.id))
    ).all()
    return [p for p in people if p.role_set & roles]


def in_audience(person: Person, pulse_round: PulseRound) -> bool:
    return bool(person.role_set & set(pulse_round.audience.split(",")))


def questions_of(session: Session, pulse_round: PulseRound) -> list[PulseQuestion]:
    return list(
        session.exec(
            select(PulseQuestion)
            .where(PulseQuestion.round_id == pulse_round.id)
            .order_by(col(PulseQuestion.position))
        ).all()
    )


def scale_questions(session: Session, pulse_round: PulseRound) -> list[PulseQuestion]:
    return [q for q in questions_of(session, pulse_round) if q.kind == "scale"]


def answers_of(session: Session, pulse_round: PulseRound, person: Person) -> dict[int, int]:
    """This person's scale answers in this round, by question id (for them only)."""
    rows = session.exec(
        select(PulseAnswer)
        .join(PulseQuestion, col(PulseQuestion.id) == col(PulseAnswer.question_id))
        .where(PulseQuestion.round_id == pulse_round.id, PulseAnswer.person_id == person.id)
    ).all()
    return {a.question_id: a.value for a in rows if a.value is not None}


def open_round(
    session: Session,
    alliance: Alliance,
    now: datetime | None = None,
    *,
    open_question: bool = True,
    audience_roles: str = Role.AMBASSADOR,
    lenses: bool = False,
) -> RoundOpened:
    """Open a round (a lens check with `lenses`), or invite who was missed in the open one."""
    now = now or utcnow()
    pulse_round = open_round_of(session, alliance)
    created = pulse_round is None
    if pulse_round is None:
        rounds_before = session.exec(
            select(func.count())
            .select_from(PulseRound)
            .where(PulseRound.alliance_id == alliance.id)
        ).one()
        pulse_round = PulseRound(
            alliance_id=alliance.id or 0,
            opened_at=now,
            closes_at=now + timedelta(days=ROUND_DAYS),
            audience=audience_roles,
            kind=RoundKind.LENS_CHECK if lenses else RoundKind.PULSE,
        )
        session.add(pulse_round)
        session.flush()
        asked = lens_check_questions() if lenses else (bank_question_for(rounds_before),)
        keys = [*FIXED, *(q.key for q in asked)]
        for position, key in enumerate(keys):
            session.add(PulseQuestion(round_id=pulse_round.id or 0, position=position, key=key))
        if open_question:
            session.add(
                PulseQuestion(
                    round_id=pulse_round.id or 0, position=len(keys), key=OPEN, kind="open"
                )
            )
        session.flush()
    invited, unreachable, waiting = _invite(
        session, alliance, pulse_round, audience(session, alliance, pulse_round), now
    )
    session.flush()
    return RoundOpened(pulse_round, created, invited, unreachable, waiting)


def _invite(
    session: Session,
    alliance: Alliance,
    pulse_round: PulseRound,
    people: list[Person],
    now: datetime,
) -> tuple[int, int, int]:
    """Invite everyone in one batch, then plan the reminders of those invited now in one
    more (a reminder only follows an invitation). Returns how many were invited, could
    not be reached, and will get their invitation only later (quiet hours, a mute)."""
    scale = scale_questions(session, pulse_round)
    first = scale[0]
    invitations: list[Plan] = []
    reminders: dict[int, list[Plan]] = {}
    for person in people:
        texts = Texts(language_of(person, alliance))
        closes_on = local_date(pulse_round.closes_at or now, person, alliance)
        question = question_markup(texts, first, 1, len(scale), None)
        invitations.append(
            Plan(
                dedupe_key=f"pulse:{pulse_round.id}:{person.id}",
                kind=DeliveryKind.PULSE,
                body=texts.render(
                    "pulse_invite",
                    person=person,
                    closes_at=closes_on,
                    lens_check=pulse_round.kind == RoundKind.LENS_CHECK,
                )
                + question,
                due_at=now,
                person=person,
                buttons=scale_buttons(first),
                expires_at=pulse_round.closes_at,
                subject=Subject(round_id=pulse_round.id),
            )
        )
        reminders[person.id or 0] = _reminders(
            alliance, pulse_round, person, first, texts, closes_on, question
        )
    results = plan_many(session, alliance, invitations)
    planned = [(p, r) for p, r in zip(people, results, strict=True) if r.outcome == "planned"]
    plan_many(session, alliance, [plan for p, _ in planned for plan in reminders[p.id or 0]])
    unreachable = sum(r.outcome == "unreachable" for r in results)
    waiting = sum(r.delivery is not None and r.delivery.due_at > now for _, r in planned)
    return len(planned), unreachable, waiting


def _reminders(
    alliance: Alliance,
    pulse_round: PulseRound,
    person: Person,
    first: PulseQuestion,
    texts: Texts,
    closes_on: date,
    question: str,
) -> list[Plan]:
    """At most two friendly reminders, in the person's morning, while the round is open."""
    zone = ZoneInfo(person.timezone or alliance.timezone)
    plans = []
    for number, days in enumerate(REMINDER_DAYS, start=1):
        day = (pulse_round.opened_at + timedelta(days=days)).astimezone(zone).date()
        due_at = datetime.combine(day, REMINDER_AT, tzinfo=zone)
        if pulse_round.closes_at is not None and due_at >= pulse_round.closes_at:
            continue
        plans.append(
            Plan(
                dedupe_key=f"pulse-reminder:{pulse_round.id}:{person.id}:{number}",
                kind=DeliveryKind.REMINDER,
                body=texts.render("pulse_reminder", closes_at=closes_on, number=number) + question,
                due_at=due_at,
                person=person,
                buttons=scale_buttons(first),
                expires_at=pulse_round.closes_at,
                subject=Subject(round_id=pulse_round.id),
            )
        )
    return plans


def question_markup(
    texts: Texts, question: PulseQuestion, number: int, total: int, current: int | None
) -> str:
    """One scale question as the person reads it: in the invitation, a reminder, a reply."""
    return texts.render(
        "pulse_question",
        number=number,
        total=total,
        text=question_text(question.key, texts),
        statement=question.key not in FIXED,
        current=current,
    )


def scale_buttons(question: PulseQuestion) -> tuple[Button, ...]:
    return tuple(Button(str(value), ANSWER.action(question.id or 0, value)) for value in SCALE)


@dataclass(frozen=True)
class Answered:
    """What answering left: the next question to ask, or None when the scale part is done."""

    pulse_round: PulseRound
    next_question: PulseQuestion | None
    number: int  # the next question's position among the scale questions (1-based)
    total: int
    complete: bool


def record_answer(
    session: Session, question: PulseQuestion, person: Person, value: int, now: datetime
) -> Answered:
    """One tap: insert or change this person's answer, then say what comes next."""
    pulse_round = session.get(PulseRound, question.round_id)
    assert pulse_round is not None
    existing = session.exec(
        select(PulseAnswer).where(
            PulseAnswer.question_id == question.id, PulseAnswer.person_id == person.id
        )
    ).first()
    if existing is None:
        session.add(
            PulseAnswer(
                question_id=question.id or 0,
                person_id=person.id or 0,
                region_id=person.region_id,
                partner_id=person.partner_id,
                value=value,
                answered_at=now,
            )
        )
    else:
        existing.value = value
        existing.answered_at = now
    session.flush()
    scale = scale_questions(session, pulse_round)
    answered = answers_of(session, pulse_round, person)
    position = next(i for i, q in enumerate(scale) if q.id == question.id)
    following = [q for q in scale[position + 1 :] if q.id not in answered]
    complete = all(q.id in answered for q in scale)
    if complete:
        cancel_pending(
            session, DeliveryKind.REMINDER, Subject(round_id=pulse_round.id), person_id=person.id
        )
    if existing is None and complete:
        session.add(
            AuditEvent(
                alliance_id=pulse_round.alliance_id,
                actor="anonymous",  # that someone answered, never who or what
                action="pulse.answered",
                detail={"round": pulse_round.id},
            )
        )
    next_question = following[0] if following else None
    number = scale.index(next_question) + 1 if next_question else len(scale)
    return Answered(pulse_round, next_question, number, len(scale), complete)


def record_open_answer(
    session: Session, pulse_round: PulseRound, person: Person, text: str, now: datetime
) -> PulseQuestion | None:
    """The open question's answer; None when this round has no open question."""
    question = next((q for q in questions_of(session, pulse_round) if q.kind == "open"), None)
    if question is None:
        return None
    existing = session.exec(
        select(PulseAnswer).where(
            PulseAnswer.question_id == question.id, PulseAnswer.person_id == person.id
        )
    ).first()
    if existing is None:
        existing = PulseAnswer(
            question_id=question.id or 0,
            person_id=person.id or 0,
            region_id=person.region_id,
            partner_id=person.partner_id,
        )
        session.add(existing)
    existing.text = text
    existing.answered_at = now
    return question
