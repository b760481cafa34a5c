"""A quiet hint to the coordinators: a partner whose snippets mostly come back "not
relevant", or whose stated needs meet no other partner's offer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Partner, Person
from bot.core.needs import save_profile
from bot.core.outbox.models import Delivery
from bot.core.toolkit.hints import plan_hints
from bot.core.toolkit.models import ToolkitFeedback
from bot.db import session_scope

NOW = datetime.now(UTC)


def _hints(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Person.key, Delivery.body)
            .join(Person, col(Person.id) == col(Delivery.person_id))
            .where(col(Delivery.dedupe_key).startswith("needs-hint:"))
            .order_by(col(Person.key), col(Delivery.id))
        ).all()
        return [(key, body) for key, body in rows]


def _coordinator(engine: Engine) -> None:
    with session_scope(engine) as session:
        chantal = session.exec(select(Person).where(Person.key == "chantal")).one()
        chantal.roles = "adviser,coordinator"


def _verdicts(engine: Engine, key: str, verdicts: list[str]) -> None:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        partner = session.exec(select(Partner).where(Partner.key == key)).one()
        for number, verdict in enumerate(verdicts):
            delivery = Delivery(
                alliance_id=alliance.id,
                dedupe_key=f"s{key}{number}",
                kind="snippet",
                platform="slack",
                due_at=NOW - timedelta(days=10),
                status="sent",
            )
            session.add(delivery)
            session.flush()
            session.add(
                ToolkitFeedback(
                    delivery_id=delivery.id or 0,
                    partner_id=partner.id,
                    snippet_key="x",
                    verdict=verdict,
                    at=NOW - timedelta(days=5),
                )
            )


def test_mostly_not_relevant_tells_only_the_coordinators_once(demo_engine: Engine) -> None:
    _coordinator(demo_engine)
    _verdicts(demo_engine, "woonkracht", ["not_relevant", "not_relevant", "used"])
    _verdicts(demo_engine, "welzijn", ["not_relevant", "used", "adapted"])  # not most
    _verdicts(demo_engine, "zorggroep", ["not_relevant", "not_relevant"])  # too few
    for _ in range(2):
        with session_scope(demo_engine) as session:
            plan_hints(session, get_alliance(session), NOW)
    hints = _hints(demo_engine)
    assert len(hints) == 1
    assert hints[0][0] == "chantal" and "Woonkracht Rivierenland" in hints[0][1]
    assert "niet relevant" in hints[0][1]


def test_needs_no_one_offers_get_a_hint_after_three_weeks(demo_engine: Engine) -> None:
    _coordinator(demo_engine)
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        partners = {p.key: p for p in session.exec(select(Partner))}
        save_profile(
            session, alliance, partners["woonkracht"], None, {"needs": "Geld voor zaalhuur"}, []
        )
        save_profile(
            session, alliance, partners["gemeente-tiel"], None, {"needs": "Kennis van wonen"}, []
        )
        save_profile(
            session, alliance, partners["zorggroep"], None, {"brings": "Kennis en een netwerk"}, []
        )
    with session_scope(demo_engine) as session:
        assert plan_hints(session, get_alliance(session), NOW) == 0  # too fresh
    with session_scope(demo_engine) as session:
        assert plan_hints(session, get_alliance(session), NOW + timedelta(days=30)) == 1
    ((who, body),) = _hints(demo_engine)
    assert who == "chantal" and "Woonkracht Rivierenland" in body  # money: nobody brings it
