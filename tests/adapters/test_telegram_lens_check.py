"""A lens check tapped through Telegram: per-lens means per region in `pulse report --json`
exactly as tapped; a region below the minimum shows nothing, not even by subtraction; the
coordinators get the weakest lens's questions."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Identity, Person, Region
from bot.core.outbox.models import Delivery
from bot.core.pulse import close_round, closed_rounds, open_round, report_json, round_results
from bot.core.pulse.models import PulseQuestion
from bot.core.pulse.questions import lens_of
from bot.db import session_scope
from tests.adapters.test_telegram import api, client, post
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.telegram_updates import button

__all__ = ["api", "client"]

# region -> what each of its people taps: energy, trust, then per lens the two statements
# (ambition, interests, relationship, organisation, process); process is clearly weak
TAPS = {
    "west": [(4, 4, (5, 4), (4, 4), (4, 5), (4, 3), (2, 1))] * 2
    + [(3, 3, (4, 4), (3, 4), (4, 4), (4, 4), (1, 2))] * 2,
    "tiel": [(3, 4, (3, 3), (4, 4), (5, 5), (3, 3), (2, 2))] * 4,
    "bommel": [(1, 1, (1, 1), (1, 1), (1, 1), (1, 1), (1, 1))],  # one person: below k = 3
    None: [(3, 3, (3, 3), (3, 3), (3, 3), (3, 3), (2, 2))] * 2,  # no region
}
LENSES = ("ambition", "interests", "relationship", "organisation", "process")


def _people(engine: Engine) -> dict[int, tuple[str | None, tuple[int, ...]]]:
    """Ambassadors with Telegram accounts, and the values each will tap in question order."""
    made: dict[int, tuple[str | None, tuple[int, ...]]] = {}
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        regions = {r.key: r.id for r in session.exec(select(Region))}
        number = 0
        for region, rows in TAPS.items():
            for energy, trust, *lenses in rows:
                number += 1
                person = Person(
                    alliance_id=alliance.id or 0,
                    key=f"lens-{number}",
                    name=f"Lens {number}",
                    roles="ambassador",
                    region_id=regions[region] if region else None,
                )
                session.add(person)
                session.flush()
                telegram = 880_000 + number
                session.add(
                    Identity(
                        person_id=person.id or 0, platform="telegram", external_id=str(telegram)
                    )
                )
                values = (energy, trust, *(v for pair in lenses for v in pair))
                made[telegram] = (region, values)
    return made


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values) + 1e-9, 1)


async def test_a_lens_check_tapped_through_telegram(
    client: httpx.AsyncClient, api: FakeBotApi, demo_engine: Engine
) -> None:
    people = _people(demo_engine)
    with session_scope(demo_engine) as session:
        opened = open_round(
            session, get_alliance(session), lenses=True, audience_roles="ambassador"
        )
        questions = list(
            session.exec(
                select(PulseQuestion)
                .where(PulseQuestion.round_id == opened.round.id, PulseQuestion.kind == "scale")
                .order_by(col(PulseQuestion.position))
            )
        )
    with Session(demo_engine) as session:
        invitation = session.exec(
            select(Delivery).where(Delivery.round_id == opened.round.id, Delivery.kind == "pulse")
        ).first()
    assert invitation is not None and "Lensmeting" in invitation.body
    keys = [q.key for q in questions]
    assert keys[:2] == ["energy", "trust"] and [lens_of(k) for k in keys[2:]] == [
        lens for lens in LENSES for _ in (1, 2)
    ]
    for telegram, (_region, values) in people.items():
        for question, value in zip(questions, values, strict=True):
            response = await post(client, button(telegram, f"pa:{question.id}:{value}"))
            assert response.status_code == 200
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        close_round(session, alliance)
        document = report_json(round_results(session, alliance, closed_rounds(session, alliance)))
    (shown,) = document["rounds"]
    groups = {(g["level"], g["key"]): g for g in shown["groups"]}
    for region in ("west", "tiel"):
        group = groups[("region", region)]
        rows = [values for r, values in people.values() if r == region]
        assert group["respondents"] == len(rows)
        for index, lens in enumerate(LENSES):
            tapped = [v for values in rows for v in values[2 + 2 * index : 4 + 2 * index]]
            assert group["lenses"][lens] == _mean(tapped), (region, lens)
    whole = groups[("alliance", "alliance")]
    every = [values for _r, values in people.values()]
    assert whole["lenses"]["process"] == _mean([v for values in every for v in values[10:12]])
    assert ("region", "bommel") not in groups  # one person: hidden
    # what is left over after the shown regions is bommel's one person and the two without a
    # region together: three people, never one
    residual = whole["respondents"] - sum(
        g["respondents"] for g in shown["groups"] if g["level"] == "region"
    )
    assert residual >= 3
    with Session(demo_engine) as session:
        notices = session.exec(
            select(Delivery).where(
                col(Delivery.dedupe_key).like(f"lens-profile:{opened.round.id}:%")
            )
        ).all()
    assert notices, "the coordinators hear back"
    assert all("Waar zou dit" not in n.body for n in notices)  # interests is not the weak one
    assert all(
        "Weet iedereen wat de volgende stap is" in n.body
        or "Does everyone know the next step" in n.body
        for n in notices
    )
