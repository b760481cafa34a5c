"""Follow-up counted in SQL agrees with the documented rule in Python, on both databases."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.followup.decline import AgreementFacts, follow_up_as_of
from bot.core.followup.measures import measures_by_group, series_by_group
from bot.core.followup.models import Agreement, CheckIn
from bot.core.kernel.models import Partner
from bot.core.outbox.models import Delivery
from bot.db import session_scope

PARTNERS = ("woonkracht", "gemeente-tiel", "zorggroep")


def _random_rows(seed: int, count: int) -> list[AgreementRow]:
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        made = date(2023, 10, 1) + timedelta(days=rng.randrange(0, 500))  # also before 2024
        due = made + timedelta(days=rng.randrange(0, 60))
        done = None
        if rng.random() < 0.7:
            done = due + timedelta(days=rng.randrange(-20, 40))
            done = max(done, made)
        rows.append(AgreementRow(f"R{i}", "x", rng.choice(PARTNERS), None, made, due, done))
    return rows


def test_sql_series_equal_the_python_rule_for_every_as_of(demo_engine: Engine) -> None:
    rows = _random_rows(7, 300)
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), rows)
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        ids = {p.key: p.id for p in session.exec(select(Partner))}
        for as_of in (date(2023, 12, 31), date(2024, 1, 1), date(2024, 6, 14), date(2025, 3, 1)):
            sql = series_by_group(session, alliance, "partner", as_of)
            for key in PARTNERS:
                facts = [
                    AgreementFacts(r.made_on, r.due_on, r.done_on) for r in rows if r.owner == key
                ]
                python = follow_up_as_of(facts, as_of)
                got = sql.get(ids[key] or 0)
                if not python.periods:
                    assert got is None
                else:
                    assert got == python, (key, as_of)


def test_measures_on_time_overdue_median_late(demo_engine: Engine) -> None:
    as_of = date(2026, 3, 1)
    made = date(2026, 1, 1)
    rows = [
        AgreementRow("A", "x", "woonkracht", None, made, date(2026, 1, 10), date(2026, 1, 9)),
        AgreementRow("B", "x", "woonkracht", None, made, date(2026, 1, 10), date(2026, 1, 14)),
        AgreementRow("C", "x", "woonkracht", None, made, date(2026, 2, 1), None),
        AgreementRow("D", "x", "woonkracht", None, made, date(2026, 2, 20), date(2026, 3, 5)),
        AgreementRow("E", "x", "woonkracht", None, made, date(2026, 3, 10), None),
    ]
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), rows)
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        woonkracht = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        measures = measures_by_group(session, alliance, "partner", as_of)[woonkracht.id or 0]
    # settled: A (on time), B (4 days late), C (open, 28 days late by as_of),
    # D (done after as_of: still open then, 9 days late); E is not due yet
    assert (measures.due, measures.on_time, measures.overdue) == (4, 1, 2)
    assert measures.median_days_late == 9.0  # of 4, 9, 28
    assert measures.on_time_rate == 0.25
    assert measures.checkins_sent == 0 and measures.checkin_response_rate is None


def test_unanswered_check_ins_count_only_what_was_sent_and_not_answered_after(
    demo_engine: Engine,
) -> None:
    as_of = date(2026, 3, 1)
    rows = [
        AgreementRow("A", "x", "woonkracht", None, date(2026, 1, 1), date(2026, 2, 1), None),
        AgreementRow("B", "x", "woonkracht", None, date(2026, 1, 1), date(2026, 2, 1), None),
    ]
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), rows)
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        ids = {a.key: a.id for a in session.exec(select(Agreement))}
        sent = datetime(2026, 1, 25, 9, 30, tzinfo=UTC)

        def checkin(agreement: str, stage: str, status: str = "sent") -> None:
            session.add(
                Delivery(
                    alliance_id=alliance.id,
                    dedupe_key=f"checkin:{ids[agreement]}:{stage}:1",
                    kind="checkin",
                    agreement_id=ids[agreement],
                    platform="telegram",
                    due_at=sent,
                    status=status,
                    sent_at=sent if status == "sent" else None,
                )
            )

        checkin("A", "week_before")
        checkin("A", "day_before")
        checkin("B", "week_before")
        checkin("B", "day_before", status="pending")  # not sent: not counted
        # B answered after its check-in; A answered only long after as_of
        session.add(
            CheckIn(
                agreement_id=ids["B"] or 0, status="on_track", created_at=sent + timedelta(days=1)
            )
        )
        later = datetime(2026, 4, 1, tzinfo=UTC)
        session.add(CheckIn(agreement_id=ids["A"] or 0, status="done", created_at=later))
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        woonkracht = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        measures = measures_by_group(session, alliance, "partner", as_of)[woonkracht.id or 0]
    assert (measures.checkins_sent, measures.checkins_unanswered) == (3, 2)
    assert measures.checkin_response_rate is not None
    assert round(measures.checkin_response_rate, 3) == 0.333
