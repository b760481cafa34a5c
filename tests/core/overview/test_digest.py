"""The advisers' weekly digest: once a week, in their channel, with what needs attention."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.adapters.calendar_feed import job_edge
from bot.core.agenda.models import AgendaItem
from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Flag, Signal
from bot.core.followup.detection import refresh_follow_up_flags
from bot.core.jobs import run_due_job
from bot.core.kernel.models import Partner
from bot.core.outbox.models import Delivery
from bot.core.overview.digest import plan_digest
from bot.db import make_engine, session_scope
from bot.demo.run import build_demo_database


def test_the_digest_sums_up_the_week_once(tmp_path: Path) -> None:
    today = date(2026, 11, 23)  # a Monday
    engine = make_engine(build_demo_database(tmp_path, today=today))
    now = datetime(2026, 11, 23, 7, 45, tzinfo=UTC)
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        refresh_follow_up_flags(session, alliance, now)
        first = plan_digest(session, alliance, now)
        again = plan_digest(session, alliance, now + timedelta(days=2))  # same ISO week
    assert first is not None and first.outcome == "planned"
    assert again is not None and again.outcome == "duplicate"
    with Session(engine) as session:
        digest = session.exec(select(Delivery).where(Delivery.kind == "digest")).one()
    assert digest.channel == "C0ADVISERS" and digest.dedupe_key == "digest:2026-W48"
    body = digest.body
    assert "Week 48" in body
    assert "1 open aandachtspunt" in body and "Woonkracht" in body  # the slipping follow-up
    assert "Laatste peiling" in body and "deelnemers" in body
    assert "De komende twee weken" in body and "Sluiting kopij huurdersblad" in body
    assert "Toolkit, afgelopen vier weken" in body
    engine.dispose()


def test_no_channel_no_digest_and_the_clock_job_runs_it(tmp_path: Path) -> None:
    engine = make_engine(build_demo_database(tmp_path, today=date(2026, 11, 23)))
    now = datetime(2026, 11, 30, 7, 45, tzinfo=UTC)
    with session_scope(engine) as session:
        assert run_due_job(session, "digest", now, now, job_edge()) is True
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        alliance.adviser_channel = None
        assert plan_digest(session, alliance, now + timedelta(days=7)) is None
    with Session(engine) as session:
        keys = [
            d.dedupe_key for d in session.exec(select(Delivery).where(Delivery.kind == "digest"))
        ]
    assert keys == ["digest:2026-W49"]
    engine.dispose()


def test_a_busy_week_shows_the_first_few_and_counts_the_rest(demo_engine: Engine) -> None:
    now = datetime(2026, 11, 30, 7, 45, tzinfo=UTC)
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        partner = session.exec(select(Partner).where(Partner.alliance_id == alliance.id)).first()
        assert partner is not None
        for n in range(30):
            session.add(
                Flag(
                    alliance_id=alliance.id or 0,
                    family="follow_up",
                    level="partner",
                    key=f"k{n}",
                    kind="declining_follow_up",
                    since=date(2026, 10, 5),
                    last_seen=date(2026, 11, 29),
                    detail={"explanations": {"nl": f"Aandachtspunt {n:02d}"}},
                    raised_at=now - timedelta(minutes=60 - n),
                )
            )
        for n in range(25):  # more than a list of signals would show
            session.add(Signal(alliance_id=alliance.id or 0, text=f"Signaal {n}"))
        for n in range(40):
            moment = now + timedelta(hours=3 + 6 * n)
            session.add(
                AgendaItem(
                    partner_id=partner.id or 0,
                    uid=f"d{n}",
                    title=f"Moment {n:02d}",
                    kind="board",
                    starts_at=moment,
                    ends_at=moment,
                )
            )
        session.flush()
        assert plan_digest(session, alliance, now) is not None
    with Session(demo_engine) as session:
        body = session.exec(select(Delivery).where(Delivery.kind == "digest")).one().body
    assert "30 open aandachtspunten" in body and "En nog 25: de startpagina van de bot" in body
    assert "Aandachtspunt 04" in body and "Aandachtspunt 05" not in body
    assert "25 signalen uit de regio's wachten op antwoord" in body
    assert "Moment 09" in body and "Moment 10" not in body
    assert "En nog 30 momenten in deze twee weken." in body
