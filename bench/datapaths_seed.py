"""A year of a large alliance, written with bulk inserts (seconds, not minutes).

One alliance (the demo file's house, texts and channel) grows to `PARTNERS` partners in
`REGIONS` regions. `AGENDA_PARTNERS` of them keep an agenda and have an adviser on Slack;
every partner has a contact (the check-ins' recipient). Everything else scales with the
factor: agreements over the past year (the first `DECLINING` partners let their follow-up
slip in the last three months, so the rule has something to find), check-ins sent around
their due dates with the delivery's subject column set (`agreement_id`), answers to some,
agenda moments in the coming eight weeks and in the past year (with the snippets sent for
those), biweekly pulse rounds of the past year and an open one everyone answered.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, text
from sqlmodel import Session

from bot.core.agenda import AgendaItem
from bot.core.alliance import get_alliance
from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import load_alliance
from bot.core.attention import Signal
from bot.core.followup import Agreement, CheckIn
from bot.core.kernel import Identity, Partner, Person, Region
from bot.core.outbox import Delivery
from bot.core.pulse import PulseAnswer, PulseQuestion, PulseRound
from bot.db import session_scope

DEMO_FILE = Path(__file__).parents[1] / "bot" / "demo" / "alliance.toml"
PARTNERS = 200
AGENDA_PARTNERS = 70
REGIONS = 10
DECLINING = 20
PAST_ROUNDS = 26  # biweekly, a year
KINDS = ("newsletter", "board", "council", "members", "event", "campaign")
SEED = 20261201


@dataclass(frozen=True)
class Sizes:
    """Row counts for one run; `factor` 1 is the issue's full size."""

    factor: float

    def _n(self, base: int) -> int:
        return max(1, round(base * self.factor))

    @property
    def agreements(self) -> int:
        return self._n(100_000)

    @property
    def checkins_sent(self) -> int:
        return self._n(50_000)

    @property
    def moments(self) -> int:  # in the coming eight weeks
        return self._n(500)

    @property
    def past_moments(self) -> int:  # in the past year, each with its snippets sent
        return self._n(3_000)

    @property
    def respondents(self) -> int:  # ambassadors, all of whom answer the open round
        return self._n(2_000)


def _table(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _insert(session: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 20_000):
        session.execute(_table(model).insert(), list(rows[start : start + 20_000]))


def _ids(session: Session, sql: str, **params: Any) -> dict[str, int]:
    return {key: row_id for key, row_id in session.execute(text(sql), params)}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def seed(engine: Engine, sizes: Sizes, today: date) -> None:
    """The whole year, in a handful of transactions."""
    rng = random.Random(SEED)
    with session_scope(engine) as session:
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
        session.execute(text("UPDATE partner SET agenda_source = NULL"))
    with session_scope(engine) as session:
        alliance_id = get_alliance(session).id or 0
        partners, regions = _partners_and_regions(session, alliance_id)
        people = _people(session, alliance_id, sizes, partners, regions)
    with session_scope(engine) as session:
        agreements = _agreements(session, alliance_id, sizes, partners, regions, today, rng)
        contact_of = dict(zip(partners, people.contacts, strict=True))
        _checkins(session, alliance_id, sizes, agreements, contact_of, today, rng)
    with session_scope(engine) as session:
        _agenda(session, alliance_id, sizes, partners, people, today, rng)
    with session_scope(engine) as session:
        _pulse(session, alliance_id, people, today, rng)
        _signals(session, alliance_id, people, regions)
    if engine.dialect.name == "postgresql":
        # what autovacuum does soon after a bulk load anyway; done now, so that the plans
        # do not depend on whether its daemon woke up before a measurement
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


def _partners_and_regions(session: Session, alliance_id: int) -> tuple[list[int], list[int]]:
    _insert(
        session,
        Partner,
        [
            {"alliance_id": alliance_id, "key": f"b{n:03d}", "name": f"Partner {n:03d}",
             "constituency": "leden", "active": True}
            for n in range(PARTNERS)
        ],
    )  # fmt: skip
    _insert(
        session,
        Region,
        [
            {"alliance_id": alliance_id, "key": f"r{n}", "name": f"Regio {n}", "active": True}
            for n in range(REGIONS)
        ],
    )
    partners = _ids(session, "SELECT key, id FROM partner WHERE key LIKE 'b%'")
    regions = _ids(session, "SELECT key, id FROM region WHERE key LIKE 'r%'")
    return [partners[f"b{n:03d}"] for n in range(PARTNERS)], [
        regions[f"r{n}"] for n in range(REGIONS)
    ]


@dataclass(frozen=True)
class People:
    contacts: list[int]  # one per partner, in partner order
    advisers: list[int]  # one per agenda partner
    ambassadors: list[tuple[int, int, int]]  # (person, partner, region)


def _people(
    session: Session,
    alliance_id: int,
    sizes: Sizes,
    partners: list[int],
    regions: list[int],
) -> People:
    rows: list[dict[str, Any]] = []

    def person(key: str, roles: str, partner: int | None, region: int | None) -> None:
        rows.append(
            {"alliance_id": alliance_id, "key": key, "name": key.title(), "roles": roles,
             "partner_id": partner, "region_id": region, "active": True}
        )  # fmt: skip

    person("lead", "adviser", None, None)  # the alliance's own adviser: App Home shows all
    for n, partner in enumerate(partners):
        person(f"contact{n:03d}", "partner", partner, None)
    for n, partner in enumerate(partners[:AGENDA_PARTNERS]):
        person(f"adviser{n:03d}", "adviser", partner, None)
    for n in range(sizes.respondents):
        person(f"amb{n:05d}", "ambassador", partners[n % PARTNERS], regions[n % REGIONS])
    _insert(session, Person, rows)
    ids = _ids(session, "SELECT key, id FROM person WHERE alliance_id = :a", a=alliance_id)
    identities = [
        {"person_id": ids[row["key"]], "external_id": f"X{ids[row['key']]}", "linked_at": _at(
            date(2025, 11, 1), 9),
         "platform": "slack" if row["roles"] == "adviser" else "telegram"}
        for row in rows
    ]  # fmt: skip
    _insert(session, Identity, identities)
    return People(
        contacts=[ids[f"contact{n:03d}"] for n in range(PARTNERS)],
        advisers=[ids[f"adviser{n:03d}"] for n in range(AGENDA_PARTNERS)],
        ambassadors=[
            (ids[f"amb{n:05d}"], partners[n % PARTNERS], regions[n % REGIONS])
            for n in range(sizes.respondents)
        ],
    )


def _agreements(
    session: Session,
    alliance_id: int,
    sizes: Sizes,
    partners: list[int],
    regions: list[int],
    today: date,
    rng: random.Random,
) -> list[dict[str, Any]]:
    """Made over the past year; the first partners slip for what fell due lately."""
    rows: list[dict[str, Any]] = []
    for n in range(sizes.agreements):
        owner = n % PARTNERS
        made = today - timedelta(days=rng.randint(0, 365))
        due = made + timedelta(days=rng.choice((14, 21, 28, 42)))
        slipping = owner < DECLINING and due > today - timedelta(days=90)
        done: date | None = None
        if rng.random() < (0.2 if slipping else 0.85):
            done = due - timedelta(days=rng.randint(0, 5))
        elif rng.random() < 0.5:
            done = due + timedelta(days=rng.randint(3, 25))
        done = done if done is not None and done <= today else None
        rows.append(
            {"alliance_id": alliance_id, "key": f"A{n}", "text": "Afspraak", "made_on": made,
             "owner_partner_id": partners[owner], "region_id": regions[n % REGIONS],
             "due_on": due, "done_on": done, "status": "done" if done else "open",
             "source": "csv", "created_at": _at(made, 12), "updated_at": _at(made, 12)}
        )  # fmt: skip
    _insert(session, Agreement, rows)
    ids = _ids(session, "SELECT key, id FROM agreement WHERE alliance_id = :a", a=alliance_id)
    for row in rows:
        row["id"] = ids[row["key"]]
    return rows


def _checkins(
    session: Session,
    alliance_id: int,
    sizes: Sizes,
    agreements: list[dict[str, Any]],
    contact_of: dict[int, int],
    today: date,
    rng: random.Random,
) -> None:
    """A sent check-in the day before the due date; the done ones answered when done."""
    settled = [a for a in agreements if a["due_on"] - timedelta(days=1) < today]
    chosen = rng.sample(settled, min(sizes.checkins_sent, len(settled)))
    deliveries, answers = [], []
    for agreement in chosen:
        sent = _at(agreement["due_on"] - timedelta(days=1), 8, 30)
        person = contact_of.get(agreement["owner_partner_id"])
        deliveries.append(
            {"alliance_id": alliance_id, "dedupe_key": f"checkin:{agreement['id']}:day_before:"
             f"{person}", "kind": "checkin", "person_id": person, "platform": "telegram",
             "agreement_id": agreement["id"], "body": "Hoe staat het?", "buttons": [],
             "due_at": sent, "urgent": False, "held_back": False, "status": "sent",
             "attempts": 1, "sent_at": sent, "created_at": sent - timedelta(days=30)}
        )  # fmt: skip
        if agreement["done_on"] is not None and rng.random() < 0.7:
            answers.append(
                {"agreement_id": agreement["id"], "person_id": person, "status": "done",
                 "created_at": _at(agreement["done_on"], 15)}
            )  # fmt: skip
    _insert(session, Delivery, deliveries)
    _insert(session, CheckIn, answers)


def _agenda(
    session: Session,
    alliance_id: int,
    sizes: Sizes,
    partners: list[int],
    people: People,
    today: date,
    rng: random.Random,
) -> None:
    """Moments in the coming eight weeks, and a year of past ones with snippets sent."""
    rows: list[dict[str, Any]] = []
    for n in range(sizes.moments + sizes.past_moments):
        future = n < sizes.moments
        offset = rng.randint(1, 55) if future else -rng.randint(1, 365)
        starts = _at(today + timedelta(days=offset), rng.choice((10, 14, 19)))
        rows.append(
            {"partner_id": partners[n % AGENDA_PARTNERS], "uid": f"m{n}", "title": f"Moment {n}",
             "kind": KINDS[n % len(KINDS)], "starts_at": starts, "all_day": False,
             "cancelled": False, "source": "bench", "updated_at": starts - timedelta(days=60)}
        )  # fmt: skip
    _insert(session, AgendaItem, rows)
    ids = _ids(session, "SELECT uid, id FROM agendaitem WHERE source = 'bench'")
    adviser_of = dict(zip(partners, people.advisers, strict=False))
    sent = []
    for row in rows[sizes.moments :]:
        person = adviser_of[row["partner_id"]]
        for snippet in ("a", "b"):
            at = row["starts_at"] - timedelta(days=7)
            sent.append(
                {"alliance_id": alliance_id, "kind": "snippet", "person_id": person,
                 "dedupe_key": f"snippet:{ids[row['uid']]}:{snippet}:{person}",
                 "agenda_item_id": ids[row["uid"]], "snippet_key": f"bench-{snippet}",
                 "platform": "slack", "body": "Tekst", "buttons": [], "due_at": at,
                 "urgent": False, "held_back": False, "status": "sent", "attempts": 1,
                 "sent_at": at, "created_at": at - timedelta(days=40)}
            )  # fmt: skip
    _insert(session, Delivery, sent)


def _pulse(
    session: Session, alliance_id: int, people: People, today: date, rng: random.Random
) -> None:
    """A year of closed rounds (85% answer energy and trust) and an open one all answered."""
    for index in range(PAST_ROUNDS + 1):
        opened = today - timedelta(days=14 * (PAST_ROUNDS - index) + 3)
        is_open = index == PAST_ROUNDS
        closes = _at(opened + timedelta(days=5), 17)
        pulse_round = PulseRound(
            alliance_id=alliance_id,
            opened_at=_at(opened, 9),
            closes_at=closes,
            closed_at=None if is_open else closes,
        )
        session.add(pulse_round)
        session.flush()
        keys = ("energy", "trust", "ambition") if is_open else ("energy", "trust")
        questions = [
            PulseQuestion(round_id=pulse_round.id or 0, position=p, key=k)
            for p, k in enumerate(keys)
        ]
        session.add_all(questions)
        session.flush()
        answers = [
            {"question_id": q.id, "person_id": person, "region_id": region,
             "partner_id": partner, "value": rng.randint(2, 5),
             "answered_at": _at(opened + timedelta(days=1), 12)}
            for person, partner, region in people.ambassadors
            if is_open or rng.random() < 0.85
            for q in questions
        ]  # fmt: skip
        _insert(session, PulseAnswer, answers)


def _signals(session: Session, alliance_id: int, people: People, regions: list[int]) -> None:
    for n, (person, _partner, region) in enumerate(people.ambassadors[:12]):
        session.add(
            Signal(
                alliance_id=alliance_id,
                person_id=person,
                region_id=region or regions[0],
                text=f"Signaal {n} uit de regio.",
            )
        )
