"""A delivery knows its subject through columns: planners name it, cancelling asks it."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.followup.agreements import NewAgreement, register_agreement
from bot.core.followup.checkins import plan_checkins, record_answer
from bot.core.followup.models import Agreement, CheckInStatus
from bot.core.kernel.models import Person, utcnow
from bot.core.kernel.replies import Image
from bot.core.outbox import (
    NOTHING,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Plan,
    Subject,
    cancel_pending,
    plan_delivery,
)
from bot.db import session_scope
from tests.conftest import DEMO_FILE

ROOT = Path(__file__).resolve().parents[3]


def test_a_subject_is_its_set_fields() -> None:
    subject = Subject(agenda_item_id=4, snippet_key="board-memo")
    assert subject.columns() == {"agenda_item_id": 4, "snippet_key": "board-memo"}
    assert len(subject.conditions()) == 2
    assert NOTHING.columns() == {} and NOTHING.conditions() == []
    # every field is a column of the delivery table, under the same name
    assert {f.name for f in fields(Subject)} <= set(Delivery.__table__.c.keys())


def test_plan_delivery_writes_the_subject_and_the_image_name(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        result = plan_delivery(
            session,
            alliance,
            Plan(
                "report:x",
                DeliveryKind.NOTICE,
                "<p>x</p>",
                utcnow(),
                channel="C0ADVISERS",
                image=Image(b"png", "alt", "pulse-report.png"),
                subject=Subject(partner_id=1),
            ),
        )
        assert result.outcome == "planned"
    with Session(demo_engine) as session:
        delivery = session.exec(select(Delivery)).one()
    assert (delivery.partner_id, delivery.image_name) == (1, "pulse-report.png")
    assert delivery.agreement_id is None and delivery.round_id is None


def test_cancelling_needs_a_subject(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session, pytest.raises(ValueError):
        cancel_pending(session, DeliveryKind.CHECKIN, NOTHING)


def _checkins(engine: Engine) -> dict[int, set[str]]:
    """Statuses of check-in deliveries per agreement, read from the subject column."""
    found: dict[int, set[str]] = {}
    with Session(engine) as session:
        for delivery in session.exec(select(Delivery).where(Delivery.kind == "checkin")):
            found.setdefault(delivery.agreement_id or 0, set()).add(delivery.status)
    return found


def test_an_answer_cancels_the_check_ins_of_its_agreement_only(demo_engine: Engine) -> None:
    today = utcnow().date()
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        for text in ("Eerste", "Tweede"):
            new = NewAgreement(text, "woonkracht", today + timedelta(days=20))
            register_agreement(session, alliance, anna, new, today)
        assert plan_checkins(session, alliance, today) > 0
    assert list(_checkins(demo_engine).values()) == [{DeliveryStatus.PENDING}] * 2
    with session_scope(demo_engine) as session:
        first = session.exec(select(Agreement).where(Agreement.text == "Eerste")).one()
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        record_answer(session, first, anna, CheckInStatus.ON_TRACK)
        first_id = first.id
    statuses = _checkins(demo_engine)
    assert statuses.pop(first_id or 0) == {"cancelled"}
    assert list(statuses.values()) == [{"pending"}]


SCRIPT = """
import sys
from sqlmodel import select
from bot.core.kernel import Alliance, utcnow
from bot.core.outbox import DeliveryKind, Plan, Subject, plan_delivery
from bot.db import make_engine, session_scope
engine = make_engine(sys.argv[1])
with session_scope(engine) as session:
    alliance = session.exec(select(Alliance)).one()
    plan = Plan("only-outbox", DeliveryKind.NOTICE, "<p>x</p>", utcnow(), channel="C0",
                subject=Subject(agreement_id=None))
    print(plan_delivery(session, alliance, plan).outcome)
"""


def test_a_process_that_imports_only_the_outbox_can_write_deliveries(
    sqlite_engine: Engine,
) -> None:
    """The delivery table refers to tables of every feature; they are known all the same."""
    with session_scope(sqlite_engine) as session:
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, sqlite_engine.url.render_as_string(hide_password=False)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "planned"
