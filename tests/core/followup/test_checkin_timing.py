"""Check-ins that nudge: one before the due date and one after, and each says what is true
on the day it arrives, wherever the outbox had to move it.

The sweep plans check-ins for due dates on every weekday, with weekly caps that are already
full and quiet hours, for readers in two time zones, and reads every planned one back: a
check-in says "tomorrow" only when it arrives the day before, "today" only on the day, and
none arrives (or could still be sent) later than a week after the due date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.followup.checkins import plan_checkins, wording
from bot.core.followup.models import Agreement
from bot.core.kernel.models import Identity, Person
from bot.core.outbox.models import Delivery
from bot.db import session_scope
from tests.conftest import DEMO_FILE

TODAY = date(2026, 11, 16)  # a Monday
TOMORROW = ("Morgen staat", "Tomorrow this")
TODAY_WORDS = ("Vandaag staat", "Today this")
# weekly cap, the days (from the due date) whose week other messages already fill, quiet hours
CASES = (
    (3, (), "21:00-08:00"),
    (1, (-1, 3), "21:00-08:00"),
    (1, (-1,), "21:00-08:00"),
    (2, (3,), "08:00-21:00"),
)


def test_the_words_follow_the_day_of_arrival() -> None:
    due = date(2026, 11, 27)
    assert wording(date(2026, 11, 20), due) == "ahead"
    assert wording(date(2026, 11, 26), due) == "tomorrow"
    assert wording(date(2026, 11, 27), due) == "today"
    assert wording(date(2026, 11, 28), due) == "late"


def _prepare(engine: Engine, due: date, cap: int, quiet: str, zone: str, language: str) -> None:
    with session_scope(engine) as session:
        alliance = get_alliance(session)
        alliance.weekly_cap, alliance.quiet_hours = cap, quiet
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        anna.timezone, anna.language = zone, language
        row = AgreementRow("A1", "Twee sprekers", "woonkracht", None, TODAY, due, None)
        import_agreements(session, alliance, [row])


def _fill_week(engine: Engine, day: date, count: int) -> None:
    """Other messages to anna that already take her weekly cap in `day`'s week."""
    with session_scope(engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        for n in range(count):
            moment = datetime.combine(day, time(12), tzinfo=ZoneInfo("Europe/Amsterdam"))
            session.add(
                Delivery(
                    dedupe_key=f"other:{day}:{n}",
                    kind="notice",
                    person_id=anna.id,
                    platform="slack",
                    due_at=moment,
                )
            )


def _check_ins(engine: Engine) -> list[Delivery]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(Delivery)
                .where(Delivery.kind == "checkin", Delivery.status == "pending")
                .order_by(col(Delivery.due_at))
            ).all()
        )


def _reset(engine: Engine) -> None:
    with session_scope(engine) as session:
        for row in session.exec(select(Delivery)):
            session.delete(row)
        for agreement in session.exec(select(Agreement)):
            session.delete(agreement)


@pytest.fixture
def demo_sqlite(sqlite_engine: Engine) -> Engine:
    """The demo alliance, where Woonkracht's check-ins go to its adviser Anna: its contact
    Petra's e-mail address is taken out, so Anna's zone, language and cap are what count."""
    with session_scope(sqlite_engine) as session:
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        for account in session.exec(select(Identity).where(Identity.person_id == petra.id)):
            session.delete(account)
    return sqlite_engine


@pytest.mark.parametrize(("zone", "language"), [("Europe/Amsterdam", "nl"), ("Asia/Tokyo", "en")])
def test_no_check_in_says_tomorrow_on_another_day_nor_comes_a_week_late(
    demo_sqlite: Engine, zone: str, language: str
) -> None:
    seen: set[str] = set()
    for offset in range(3, 10):  # due dates on every weekday
        due = TODAY + timedelta(days=offset)
        for cap, full, quiet in CASES:
            _reset(demo_sqlite)
            _prepare(demo_sqlite, due, cap, quiet, zone, language)
            for days in full:  # other messages fill the cap in the week of these days
                _fill_week(demo_sqlite, due + timedelta(days=days), cap)
            with session_scope(demo_sqlite) as session:
                plan_checkins(session, get_alliance(session), TODAY)
            planned = _check_ins(demo_sqlite)
            assert len([d for d in planned if ":before:" in d.dedupe_key]) <= 1
            assert len([d for d in planned if ":after:" in d.dedupe_key]) <= 1
            for delivery in planned:
                arrives = delivery.due_at.astimezone(ZoneInfo(zone)).date()
                seen.add(wording(arrives, due))
                says_tomorrow = any(w in delivery.body for w in TOMORROW)
                assert says_tomorrow == (arrives == due - timedelta(days=1)), (due, cap)
                assert any(w in delivery.body for w in TODAY_WORDS) == (arrives == due)
                assert arrives <= due + timedelta(days=7)
                assert delivery.expires_at is not None
                limit = datetime.combine(due + timedelta(days=8), time(0), ZoneInfo(zone))
                assert delivery.expires_at <= limit
                if wording(arrives, due) in ("tomorrow", "today"):  # true that day only
                    end = datetime.combine(arrives + timedelta(days=1), time(0), ZoneInfo(zone))
                    assert delivery.expires_at == end
    assert seen == {"tomorrow", "today", "late"}  # the usual and the moved cases


def test_a_check_in_moved_by_the_cap_names_the_date(demo_sqlite: Engine) -> None:
    due = TODAY + timedelta(days=3)  # Thursday 19 November
    _prepare(demo_sqlite, due, 1, "21:00-08:00", "Europe/Amsterdam", "nl")
    _fill_week(demo_sqlite, due, 1)  # this week is full: the one before cannot come
    with session_scope(demo_sqlite) as session:
        plan_checkins(session, get_alliance(session), TODAY)
    planned = _check_ins(demo_sqlite)
    # only the one after: the one before would have come after the due date
    assert [d.dedupe_key.split(":")[2] for d in planned] == ["after"]
    after = planned[0]
    assert after.held_back and after.due_at.astimezone(ZoneInfo("Europe/Amsterdam")).date() == (
        date(2026, 11, 23)
    )
    assert "stond op 19 november 2026" in after.body and "Morgen" not in after.body


def test_none_is_planned_more_than_a_week_after_the_due_date(demo_sqlite: Engine) -> None:
    due = TODAY - timedelta(days=5)
    _prepare(demo_sqlite, due, 3, "21:00-08:00", "Europe/Amsterdam", "nl")
    with session_scope(demo_sqlite) as session:
        assert plan_checkins(session, get_alliance(session), TODAY) == 1  # the one after
        assert plan_checkins(session, get_alliance(session), TODAY + timedelta(days=3)) == 0
    late = _check_ins(demo_sqlite)
    assert len(late) == 1 and "stond op" in late[0].body
    _reset(demo_sqlite)
    _prepare(demo_sqlite, TODAY - timedelta(days=8), 3, "21:00-08:00", "Europe/Amsterdam", "nl")
    with session_scope(demo_sqlite) as session:
        assert plan_checkins(session, get_alliance(session), TODAY) == 0


def test_a_moved_agreement_is_asked_about_its_new_date_and_a_dropped_one_not_at_all(
    demo_sqlite: Engine,
) -> None:
    _prepare(demo_sqlite, TODAY + timedelta(days=10), 3, "21:00-08:00", "Europe/Amsterdam", "nl")
    with session_scope(demo_sqlite) as session:
        plan_checkins(session, get_alliance(session), TODAY)
        agreement = session.exec(select(Agreement)).one()
        agreement.due_on = TODAY + timedelta(days=20)
    with session_scope(demo_sqlite) as session:
        assert plan_checkins(session, get_alliance(session), TODAY) == 2
    planned = _check_ins(demo_sqlite)
    new_date = (TODAY + timedelta(days=20)).isoformat()
    assert len(planned) == 2 and all(d.dedupe_key.endswith(new_date) for d in planned)
    with session_scope(demo_sqlite) as session:
        session.exec(select(Agreement)).one().status = "dropped"
    with session_scope(demo_sqlite) as session:
        assert plan_checkins(session, get_alliance(session), TODAY) == 0
    assert _check_ins(demo_sqlite) == []
