"""Check-ins on agreements: a few questions around the due date, and silence after an answer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import command_from_text, handle, plain_message, press
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.followup.checkins import plan_checkins
from bot.core.followup.models import Agreement, CheckIn
from bot.core.kernel.models import Identity, Person, utcnow
from bot.core.outbox.models import Delivery
from bot.db import session_scope
from bot.render.plain import render_plain

TODAY = date(2026, 11, 23)


def _setup(engine: Engine, due: date) -> int:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        alliance.quiet_hours = "00:00-00:00"
        alliance.weekly_cap = 50
        row = AgreementRow(
            "A1", "Twee sprekers", "woonkracht", None, TODAY - timedelta(days=30), due, None
        )
        import_agreements(session, alliance, [row])
        return session.exec(select(Agreement)).one().id or 0


def _keys(engine: Engine, status: str = "pending") -> list[str]:
    with Session(engine) as session:
        return sorted(
            d.dedupe_key
            for d in session.exec(select(Delivery).where(Delivery.status == status))
            if d.dedupe_key.startswith("checkin:")
        )


def test_check_ins_go_to_the_partner_contact_around_the_due_date(demo_engine: Engine) -> None:
    agreement_id = _setup(demo_engine, TODAY + timedelta(days=10))
    with session_scope(demo_engine) as session:
        planned = plan_checkins(session, get_alliance(session), TODAY)
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
    # petra, woonkracht's contact, has only an e-mail address: she is asked there
    assert planned == 2
    with session_scope(demo_engine) as session:
        deliveries = session.exec(select(Delivery)).all()
        assert {(d.person_id, d.platform) for d in deliveries} == {(petra.id, "email")}
        for delivery in deliveries:
            session.delete(delivery)
        address = session.exec(select(Identity).where(Identity.person_id == petra.id)).one()
        address.unreachable_since = utcnow()  # her address bounced
    # with no way to reach her, its adviser anna is asked instead
    with session_scope(demo_engine) as session:
        assert plan_checkins(session, get_alliance(session), TODAY) == 2
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        assert {d.person_id for d in session.exec(select(Delivery))} == {anna.id}
        for delivery in session.exec(select(Delivery)):
            session.delete(delivery)
    with session_scope(demo_engine) as session:
        session.add(Identity(person_id=petra.id or 0, platform="telegram", external_id="31337"))
    with session_scope(demo_engine) as session:
        assert plan_checkins(session, get_alliance(session), TODAY) == 2
        assert plan_checkins(session, get_alliance(session), TODAY) == 0  # idempotent
    stages = [k.split(":")[2] for k in _keys(demo_engine)]
    assert sorted(stages) == ["after", "before"]  # one before the due date, one after
    with Session(demo_engine) as session:
        first = session.exec(
            select(Delivery).where(
                col(Delivery.dedupe_key).startswith(f"checkin:{agreement_id}:before")
            )
        ).one()
    assert [b["action"] for b in first.buttons] == [
        f"{v}:{agreement_id}" for v in ("ad", "ao", "as", "ah")
    ]


def test_an_answer_stops_further_check_ins(demo_engine: Engine) -> None:
    agreement_id = _setup(demo_engine, TODAY + timedelta(days=10))
    with session_scope(demo_engine) as session:
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        session.add(Identity(person_id=petra.id or 0, platform="telegram", external_id="31337"))
        session.flush()
        plan_checkins(session, get_alliance(session), TODAY)
        reply = press(session, petra.id or 0, f"ao:{agreement_id}", "telegram")
    assert "loopt" in render_plain(reply)
    assert _keys(demo_engine) == []
    assert len(_keys(demo_engine, "cancelled")) == 2
    with session_scope(demo_engine) as session:
        assert plan_checkins(session, get_alliance(session), TODAY + timedelta(days=1)) == 0
        assert session.get(Agreement, agreement_id).status == "on_track"  # type: ignore[union-attr]


def test_stuck_asks_why_and_someone_else_cannot_answer(demo_engine: Engine) -> None:
    agreement_id = _setup(demo_engine, TODAY + timedelta(days=3))
    with session_scope(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()  # woonkracht adviser
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()  # welzijn
        asked = press(session, anna.id or 0, f"as:{agreement_id}", "console")
        other = press(session, gerda.id or 0, f"ad:{agreement_id}", "telegram")
    assert "in de weg" in render_plain(asked)
    assert "andere organisatie" in render_plain(other)
    assert other.refused and not other.stale and not asked.refused
    with session_scope(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        reason = handle(
            session, plain_message(anna.id or 0, "De huurdersavond is verschoven", "console")
        )
    assert "vastloopt" in render_plain(reason)
    with Session(demo_engine) as session:
        agreement = session.get(Agreement, agreement_id)
        assert agreement is not None and agreement.status == "stuck"


@pytest.mark.parametrize(("settled", "words"), [("done", "als klaar"), ("dropped", "losgelaten")])
def test_a_late_stuck_reason_leaves_a_settled_agreement_alone(
    demo_engine: Engine, settled: str, words: str
) -> None:
    """Pressing "stuck", then someone marks the agreement done (or drops it), then the
    reason arrives: the agreement stays settled, the person hears why, nothing waits."""
    agreement_id = _setup(demo_engine, TODAY + timedelta(days=3))
    with session_scope(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        press(session, anna.id or 0, f"as:{agreement_id}", "console")
    with session_scope(demo_engine) as session:
        agreement = session.get(Agreement, agreement_id)
        assert agreement is not None
        agreement.status = settled
        agreement.done_on = TODAY if settled == "done" else None
    with session_scope(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        reply = handle(session, plain_message(anna.id or 0, "Spreker ziek", "console"))
        again = handle(session, plain_message(anna.id or 0, "Spreker ziek", "console"))
    text = render_plain(reply)
    assert f"Intussen is A1 {words}" in text and "niet genoteerd dat ze vastloopt" in text
    assert "Intussen" not in render_plain(again)  # no longer awaited: an unknown command
    with Session(demo_engine) as session:
        agreement = session.get(Agreement, agreement_id)
        assert agreement is not None and agreement.status == settled
        assert session.exec(select(CheckIn)).all() == []
        assert session.exec(select(Person).where(Person.key == "anna")).one().awaiting is None


def test_chat_lists_and_registers_agreements(demo_engine: Engine) -> None:
    _setup(demo_engine, TODAY + timedelta(days=3))
    with session_scope(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        listing = handle(session, command_from_text(anna.id or 0, "afspraken", "console"))
        usage = handle(
            session,
            command_from_text(anna.id or 0, "afspraken nieuw woonkracht morgen x", "console"),
        )
        new = handle(
            session,
            command_from_text(
                anna.id or 0, "afspraken nieuw zorggroep 2026-12-20 Flyer <mantelzorg>", "console"
            ),
        )
    assert "A1" in render_plain(listing) and listing.buttons
    assert "Leg een afspraak vast als" in render_plain(usage)
    assert "Flyer <mantelzorg>" in render_plain(new)
    with Session(demo_engine) as session:
        assert session.exec(
            select(Agreement).where(Agreement.source == "chat")
        ).one().due_on == date(2026, 12, 20)
