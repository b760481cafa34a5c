"""Months of believable history for the demo alliance.

The story it tells: energy was high after the kick-off, then trust in the Bommelerwaard
region slid after a housing project stalled, while the housing corporation's follow-up of
agreements dropped. Later capabilities (trends, flags, charts) find exactly that in it.
Generated from a fixed seed, so every demo shows the same alliance.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from bot.core.attention import Signal, SignalStatus
from bot.core.followup import Agreement, AgreementStatus, CheckIn, CheckInStatus
from bot.core.house import (
    Endorsement,
    EndorsementVerdict,
    HouseContent,
    PartnerNote,
    PillarContent,
    current_version,
    submit_answer,
    submit_proposal,
    version_content,
)
from bot.core.kernel import Alliance, Partner, Person, Region, Role
from bot.core.pulse import PulseAnswer, PulseQuestion, PulseRound

ROUNDS = 12  # biweekly: six months
SEED = 20261122

AGREEMENT_TEXTS = [
    "Verhuiscoach-folder verspreiden onder huurders 70+",
    "Wijkzorgpunt opnemen in de gemeentelijke nieuwsbrief",
    "Twee sprekers leveren voor de huurdersavond",
    "Cijfers wachttijden keukentafelgesprekken delen",
    "Buurtnetwerk koppelen aan de nieuwe wijkverpleging",
    "Mantelzorgpagina op de eigen website bijwerken",
    "Aanspreekpunt per kern doorgeven aan de huisartsen",
    "Kernboodschap bespreken in het bestuur",
    "Casus 'langer thuis' aanleveren voor de campagne",
    "Inloopspreekuur seniorenwoningen organiseren",
]

SIGNALS = [
    ("bommel", "Bewoners in Zaltbommel horen niets meer over de seniorenwoningen aan de Waalkade."),
    (
        "west",
        "Het wijkzorgpunt in Geldermalsen is goed gevonden; vraag naar een tweede avondspreekuur.",
    ),
    ("tiel", "Huisartsen weten niet dat er verhuiscoaches zijn; kunnen we hen een flyer sturen?"),
]


def seed_history(session: Session, alliance: Alliance, today: date) -> None:
    """Add pulse rounds, agreements with check-ins and signals ending at `today`."""
    rng = random.Random(SEED)
    assert alliance.id is not None
    people = session.exec(
        select(Person).where(Person.alliance_id == alliance.id, col(Person.active))
    ).all()
    regions = {
        r.id: r for r in session.exec(select(Region).where(Region.alliance_id == alliance.id))
    }
    partners = session.exec(select(Partner).where(Partner.alliance_id == alliance.id)).all()
    ambassadors = [p for p in people if Role.AMBASSADOR in p.role_set]
    _pulse_history(session, alliance, ambassadors, regions, today, rng)
    _agreement_history(session, alliance, partners, regions, people, today, rng)
    _signals(session, alliance, ambassadors, regions, today)
    _house_history(session, alliance, {p.key: p for p in people}, today)
    session.flush()


def _at(day: date, hour: int = 9) -> datetime:
    from datetime import UTC

    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _pulse_history(
    session: Session,
    alliance: Alliance,
    ambassadors: list[Person],
    regions: dict[int | None, Region],
    today: date,
    rng: random.Random,
) -> None:
    for index in range(ROUNDS):
        opened = today - timedelta(days=14 * (ROUNDS - index))
        pulse_round = PulseRound(
            alliance_id=alliance.id or 0,
            opened_at=_at(opened),
            closes_at=_at(opened + timedelta(days=5), 17),
            closed_at=_at(opened + timedelta(days=5), 17),
        )
        session.add(pulse_round)
        session.flush()
        questions = {}
        for position, key in enumerate(("energy", "trust")):
            question = PulseQuestion(round_id=pulse_round.id or 0, position=position, key=key)
            session.add(question)
            questions[key] = question
        session.flush()
        progress = index / (ROUNDS - 1)
        for person in ambassadors:
            if rng.random() < 0.15:  # some ambassadors skip a round
                continue
            region = regions.get(person.region_id)
            decline = progress if region is not None and region.key == "bommel" else 0.0
            energy = 4.2 - 0.6 * progress - 1.0 * decline + rng.uniform(-0.7, 0.7)
            trust = 4.0 - 0.2 * progress - 1.8 * decline + rng.uniform(-0.7, 0.7)
            for key, value in (("energy", energy), ("trust", trust)):
                session.add(
                    PulseAnswer(
                        question_id=questions[key].id or 0,
                        person_id=person.id or 0,
                        region_id=person.region_id,
                        partner_id=person.partner_id,
                        value=max(1, min(5, round(value))),
                        answered_at=_at(opened + timedelta(days=rng.randint(0, 4)), 12),
                    )
                )


def _agreement_history(
    session: Session,
    alliance: Alliance,
    partners: Sequence[Partner],
    regions: dict[int | None, Region],
    people: Sequence[Person],
    today: date,
    rng: random.Random,
) -> None:
    region_ids = [r for r in regions if r is not None]
    start = today - timedelta(days=14 * ROUNDS)
    woonkracht = next(p for p in partners if p.key == "woonkracht")
    # The housing corporation makes more agreements than most, and its follow-up slips
    # for what falls due in the last fourteen weeks: the decline the follow-up flags find.
    owners = [partners[n % len(partners)] for n in range(60)] + [woonkracht] * 20
    for number, partner in enumerate(owners):
        made_on = start + timedelta(days=rng.randint(0, 14 * ROUNDS - 21))
        due_on = made_on + timedelta(days=rng.choice((14, 21, 28, 42)))
        slipping = partner.key == "woonkracht" and due_on > today - timedelta(days=98)
        done_on = _done_on(due_on, 0.1 if slipping else 0.85, today, rng)
        agreement = Agreement(
            alliance_id=alliance.id or 0,
            key=f"A{number + 1:03d}",
            text=AGREEMENT_TEXTS[number % len(AGREEMENT_TEXTS)],
            owner_partner_id=partner.id or 0,
            region_id=rng.choice(region_ids) if rng.random() < 0.6 else None,
            made_on=made_on,
            due_on=due_on,
            done_on=done_on,
            status=_status(number, done_on, due_on, today),
        )
        session.add(agreement)
        session.flush()
        advisers = [p for p in people if p.partner_id == partner.id and Role.ADVISER in p.role_set]
        checkin = _checkin(agreement, advisers[0] if advisers else None, today)
        if checkin is not None:
            session.add(checkin)


def _done_on(due_on: date, on_time_chance: float, today: date, rng: random.Random) -> date | None:
    """Done on time, done late, or not (yet) done; never in the future."""
    done_on: date | None
    if rng.random() < on_time_chance:
        done_on = due_on - timedelta(days=rng.randint(0, 10))
    elif rng.random() < 0.5:
        done_on = due_on + timedelta(days=rng.randint(3, 25))
    else:
        done_on = None
    return None if done_on is not None and done_on > today else done_on


def _status(number: int, done_on: date | None, due_on: date, today: date) -> AgreementStatus:
    """What the agreement's status says must agree with its dates, as every view reads one
    or the other: a completion date means done; of those past their date and not done, every
    other one is reported stuck (with its reason in the check-in), the rest simply late; of
    those still to come, every third one was reported on track."""
    if done_on is not None:
        return AgreementStatus.DONE
    if due_on < today:
        return AgreementStatus.STUCK if number % 2 == 0 else AgreementStatus.OPEN
    return AgreementStatus.ON_TRACK if number % 3 == 0 else AgreementStatus.OPEN


STUCK_REASONS = (
    "Wacht op akkoord van het bestuur",
    "Geen capaciteit tot na de reorganisatie",
    "De gemeente moet eerst de cijfers aanleveren",
)


def _checkin(agreement: Agreement, adviser: Person | None, today: date) -> CheckIn | None:
    """The partner adviser's last word on it, matching its status: done on the day it was
    done, stuck with a reason, running late, or on track."""
    note: str | None = None
    if agreement.done_on is not None:
        status, day, hour = CheckInStatus.DONE, agreement.done_on, 15
    elif agreement.status == AgreementStatus.STUCK:
        status, day, hour = CheckInStatus.STUCK, agreement.due_on, 10
        note = STUCK_REASONS[(agreement.id or 0) % len(STUCK_REASONS)]
    elif agreement.due_on < today:
        status, day, hour = CheckInStatus.DELAYED, agreement.due_on, 10
        note = "Loopt vertraging op"
    elif agreement.status == AgreementStatus.ON_TRACK:
        start = max(agreement.made_on, agreement.due_on - timedelta(days=7))
        status, day, hour = CheckInStatus.ON_TRACK, min(start, today), 10
    else:
        return None
    return CheckIn(
        agreement_id=agreement.id or 0,
        person_id=adviser.id if adviser else None,
        status=status,
        note=note,
        created_at=_at(day, hour),
    )


def _signals(
    session: Session,
    alliance: Alliance,
    ambassadors: list[Person],
    regions: dict[int | None, Region],
    today: date,
) -> None:
    by_key = {r.key: r for r in regions.values()}
    for days_ago, (region_key, text) in zip((40, 18, 4), SIGNALS, strict=True):
        region = by_key[region_key]
        author = next(p for p in ambassadors if p.region_id == region.id)
        session.add(
            Signal(
                alliance_id=alliance.id or 0,
                person_id=author.id,
                region_id=region.id,
                text=text,
                status=SignalStatus.ANSWERED if days_ago > 30 else SignalStatus.NEW,
                created_at=_at(today - timedelta(days=days_ago), 11),
                updated_at=_at(today - timedelta(days=days_ago), 11),
            )
        )


def _house_history(
    session: Session, alliance: Alliance, people: dict[str, Person], today: date
) -> None:
    """Version 2 adopted two months ago by all six partners; a third version under way."""
    current = current_version(session, alliance.id or 0)
    assert current is not None
    current.adopted_at = _at(today - timedelta(days=14 * ROUNDS + 7), 10)  # before all history
    house = version_content(session, current)
    newer = _version_two(session, alliance, people, house, today)
    _version_three_under_way(session, alliance, people, newer, today)
    woonkracht = people["anna"].partner_id
    session.add(
        PartnerNote(
            partner_id=woonkracht or 0,
            pillar_title=house.pillars[0].title,
            text="Voor onze huurders: verhuizen mag, het hoeft niet. De verhuiscoach komt langs.",
            updated_by_id=people["anna"].id,
        )
    )


def _version_two(
    session: Session,
    alliance: Alliance,
    people: dict[str, Person],
    house: HouseContent,
    today: date,
) -> HouseContent:
    """New figures in the proof of two pillars, endorsed by every partner two months ago."""
    first, second, third = house.pillars
    newer = HouseContent(
        house.roof,
        (
            PillarContent(
                first.title,
                first.message,
                (
                    *first.proof[:2],
                    "Verhuiscoaches hielpen in 2026 al 140 senioren naar een passend huis",
                ),
            ),
            PillarContent(
                second.title,
                second.message,
                ("Vijf wijkzorgpunten open, ook in Bommel-Zuid", *second.proof[1:]),
            ),
            third,
        ),
    )
    status, _asked = submit_proposal(
        session,
        alliance,
        people["anna"],
        newer,
        "Nieuwe cijfers van de verhuiscoaches en wijkzorgpunten",
    )
    for adviser in ("bram", "chantal", "dirk", "emma", "frank", "anna"):
        submit_answer(session, alliance, people[adviser], EndorsementVerdict.ENDORSE)
    adopted_on = _at(today - timedelta(days=61), 14)
    status.proposal.created_at = adopted_on - timedelta(days=9)
    status.proposal.decided_at = adopted_on
    version = current_version(session, alliance.id or 0)
    assert version is not None and version.version == 2
    version.adopted_at = adopted_on
    _date_answers(session, status.proposal.id, adopted_on - timedelta(days=8))
    return newer


def _version_three_under_way(
    session: Session,
    alliance: Alliance,
    people: dict[str, Person],
    newer: HouseContent,
    today: date,
) -> None:
    """A fourth pillar on informal carers, proposed five days ago: three yes, one objection."""
    with_care = HouseContent(
        newer.roof,
        (
            *newer.pillars,
            PillarContent(
                "Mantelzorg telt mee",
                "Wie zorgt voor een ander, krijgt zelf ook steun: respijt, advies en erkenning.",
                ("Eén op de vier inwoners van Rivierenland is mantelzorger",),
            ),
        ),
    )
    open_status, _asked = submit_proposal(
        session,
        alliance,
        people["chantal"],
        with_care,
        "Mantelzorgers een eigen plek in ons verhaal geven",
    )
    for adviser in ("chantal", "dirk", "bram"):
        submit_answer(session, alliance, people[adviser], EndorsementVerdict.ENDORSE)
    submit_answer(
        session,
        alliance,
        people["emma"],
        EndorsementVerdict.OBJECT,
        "Eerst afstemmen met de praktijkondersteuners, die zien de mantelzorgers het eerst.",
    )
    open_status.proposal.created_at = _at(today - timedelta(days=5), 9)
    _date_answers(session, open_status.proposal.id, _at(today - timedelta(days=4), 10))


def _date_answers(session: Session, proposal_id: int | None, first: datetime) -> None:
    """Spread a proposal's answers over the days after `first`, as they came in."""
    answers = session.exec(
        select(Endorsement)
        .where(Endorsement.proposal_id == proposal_id)
        .order_by(col(Endorsement.id))
    ).all()
    for day, answer in enumerate(answers):
        answer.created_at = first + timedelta(days=day, hours=day * 2)
