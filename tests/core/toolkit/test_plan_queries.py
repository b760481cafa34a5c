"""Snippet planning costs a fixed number of queries, however large the alliance.

A daily job over a year of agendas must not cost a query per moment, snippet and person:
these tests count the statements `plan_snippets` sends (SQLAlchemy's cursor event) for a
small alliance and for one with four times the partners, eight times the moments and more
advisers each, and expect the very same number — cold, when everything is new, and on a
second run that finds it all planned. Speed itself is measured in bench/, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, col, func, select

from bot.core.agenda.models import AgendaItem
from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Identity, Partner, Person
from bot.core.outbox.models import Delivery
from bot.core.toolkit.plan import HORIZON, PlanReport, plan_snippets
from bot.db import session_scope
from tests.core.toolkit.test_plan import NOW, demo_copy, demo_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("toolkit-plan-queries"))


@pytest.fixture
def demo(template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = demo_copy(template, tmp_path)
    yield engine
    engine.dispose()


def grow(engine: Engine, partners: int, moments: int) -> None:
    """`partners` new partners with one or two reachable advisers each (and a contact, who
    gets nothing while there is an adviser) and `moments` newsletter deadlines each, spread
    over the planning horizon. A weekly cap of one leaves some snippets unplanned in both
    sizes, so that a second run has the same kind of work left in both."""
    step = (HORIZON - timedelta(days=2)) / moments
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        alliance.weekly_cap = 1
        alliance_id = alliance.id or 0
        for n in range(partners):
            partner = Partner(alliance_id=alliance_id, key=f"q{n}", name=f"Q {n}", constituency="")
            session.add(partner)
            session.flush()
            for a, roles in enumerate(["adviser", "partner", "adviser"][: 2 + n % 2]):
                person = Person(
                    alliance_id=alliance_id,
                    key=f"q{n}-{a}",
                    name=f"Q {n} {a}",
                    roles=roles,
                    partner_id=partner.id,
                )
                session.add(person)
                session.flush()
                session.add(
                    Identity(person_id=person.id or 0, platform="slack", external_id=person.key)
                )
            for m in range(moments):
                session.add(
                    AgendaItem(
                        partner_id=partner.id or 0,
                        uid=f"q{n}-{m}",
                        title=f"Nieuwsbrief {m}",
                        kind="newsletter",
                        starts_at=NOW + timedelta(days=1) + step * m,
                    )
                )


class Statements:
    """Counts what is sent to the database while it is active."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.count = 0

    def _count(self, *_: object) -> None:
        self.count += 1

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def counted_run(engine: Engine) -> tuple[int, PlanReport]:
    with Statements(engine) as statements, session_scope(engine) as session:
        report = plan_snippets(session, get_alliance(session), NOW)
    return statements.count, report


def snippet_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(
            select(func.count()).select_from(Delivery).where(col(Delivery.kind) == "snippet")
        ).one()


def test_planning_costs_the_same_queries_for_a_small_and_a_large_alliance(
    template: Path, tmp_path: Path
) -> None:
    runs = {}
    for partners, moments in ((3, 5), (12, 40)):
        directory = tmp_path / f"{partners}x{moments}"
        directory.mkdir()
        engine = demo_copy(template, directory)
        grow(engine, partners, moments)
        cold = counted_run(engine)
        rows = snippet_rows(engine)
        again = counted_run(engine)
        runs[partners] = (cold, again, rows)
        engine.dispose()
    (small_cold, small_again, small_rows) = runs[3]
    (large_cold, large_again, large_rows) = runs[12]
    # the large alliance really plans more: the count is not equal by doing nothing
    assert large_cold[1].planned > 3 * small_cold[1].planned > 0
    assert large_rows > 3 * small_rows
    assert small_cold[1].unchanged > 0  # some held back beyond reach by the cap
    assert small_cold[0] == large_cold[0]
    # converged: nothing new, nothing cancelled, and still the same number of queries
    assert small_again[1] == PlanReport(0, 0, small_cold[1].planned + small_cold[1].unchanged)
    assert large_again[1].planned == large_again[1].cancelled == 0
    assert small_again[0] == large_again[0]
