"""The intake offered once, politely, through the outbox, to advisers whose partner has none."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Partner, Person
from bot.core.needs import offer_intake, save_profile
from bot.core.outbox.models import Delivery
from bot.db import session_scope
from tests.fakes.conversation import press_as, words

NOW = datetime(2027, 3, 3, 10, 0, tzinfo=UTC)  # a Wednesday morning


def _offers(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as session:
        rows = session.exec(
            select(Person.key, Delivery.dedupe_key, Delivery.body)
            .join(Person, col(Person.id) == col(Delivery.person_id))
            .where(col(Delivery.dedupe_key).startswith("intake-offer:"))
            .order_by(col(Person.key))
        ).all()
        return [(key, dedupe, body) for key, dedupe, body in rows]


def test_offered_once_to_advisers_whose_partner_has_no_profile(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        woonkracht = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        save_profile(session, alliance, woonkracht, None, {"needs": "Kennis"}, [])
        assert offer_intake(session, alliance, NOW) == 2
    with session_scope(demo_engine) as session:
        assert offer_intake(session, get_alliance(session), NOW) == 0  # once
    offers = _offers(demo_engine)
    # advisers with a partner and an account, but not Anna (Woonkracht has a profile); no
    # ambassadors; Dirk, Emma and Frank have no account to reach them on
    assert [key for key, _, _ in offers] == ["bram", "chantal"]
    bram = next(body for key, _, body in offers if key == "bram")
    assert "Gemeente Tiel" in bram and "intake" in bram


def test_a_new_phase_offers_it_again_to_everyone(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        offer_intake(session, alliance, NOW)
        assert offer_intake(session, alliance, NOW, occasion="phase-discover", everyone=True) == 3
    assert "nieuwe fase" in next(
        b for k, d, b in _offers(demo_engine) if "phase" in d and k == "anna"
    )


def test_the_offer_button_starts_the_intake_for_its_own_person_only(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        offer_intake(session, get_alliance(session), NOW)
        bram = session.exec(select(Person).where(Person.key == "bram")).one().id
    assert "1/8" in words(press_as(demo_engine, "bram", f"iko:{bram}"))
    assert press_as(demo_engine, "anna", f"iko:{bram}").stale
