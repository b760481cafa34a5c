"""Pulse rounds: short, anonymous questions on energy and trust.

At this stage a round asks the two fixed questions and invites every reachable ambassador
once, through the outbox; answering, reminders and results follow in the pulse capability.
Opening is idempotent: while a round is open, opening again only invites who was missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bot.core.models import Alliance, Person, PulseQuestion, PulseRound, utcnow
from bot.core.outbox import Plan, plan_delivery
from bot.core.people import language_of
from bot.core.texts import Texts

FIXED_QUESTIONS = ("energy", "trust")
ROUND_DAYS = 5


@dataclass(frozen=True)
class RoundOpened:
    round: PulseRound
    created: bool
    invited: int  # newly planned invitations
    unreachable: int  # ambassadors without a reachable account
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


def open_round(session: Session, alliance: Alliance, now: datetime | None = None) -> RoundOpened:
    now = now or utcnow()
    pulse_round = open_round_of(session, alliance)
    created = pulse_round is None
    if pulse_round is None:
        pulse_round = PulseRound(
            alliance_id=alliance.id or 0, opened_at=now, closes_at=now + timedelta(days=ROUND_DAYS)
        )
        session.add(pulse_round)
        session.flush()
        for position, key in enumerate(FIXED_QUESTIONS):
            session.add(PulseQuestion(round_id=pulse_round.id or 0, position=position, key=key))
    invited = unreachable = waiting = 0
    for person in audience(session, alliance, pulse_round):
        texts = Texts(language_of(person, alliance))
        closes = pulse_round.closes_at or now
        result = plan_delivery(
            session,
            alliance,
            Plan(
                dedupe_key=f"pulse:{pulse_round.id}:{person.id}",
                kind="pulse",
                body=texts.render("pulse_invite", person=person, closes_at=closes.date()),
                due_at=now,
                person=person,
                expires_at=pulse_round.closes_at,
            ),
        )
        invited += result.outcome == "planned"
        unreachable += result.outcome == "unreachable"
        waiting += (
            result.outcome == "planned"
            and result.delivery is not None
            and (result.delivery.due_at > now)
        )
    session.flush()
    return RoundOpened(pulse_round, created, invited, unreachable, waiting)
