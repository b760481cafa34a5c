"""What the core asks the edge for (which validators, when), and what it does with answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, func, select

from bot.core.agenda.calendars import CalendarError
from bot.core.agenda.feeds import (
    FULL_READ_AFTER,
    CalendarRequest,
    Fetched,
    NotModified,
    PartnerCalendar,
    Validators,
    apply_answer,
    calendar_requests,
    remember_import,
    request_for,
)
from bot.core.agenda.models import AgendaItem
from bot.core.kernel.models import Partner
from bot.db import session_scope
from tests.core.agenda.test_calendars import FIXTURES

NOW = datetime(2026, 3, 16, 6, 0, tzinfo=UTC)
URL = "https://agenda.example/woonkracht.ics"
KNOWN = Validators('"v1"', "Mon, 16 Mar 2026 05:00:00 GMT")
OUTLOOK = (FIXTURES / "outlook_weekly.ics").read_bytes()


def _imported(source: str = URL, at: datetime = NOW) -> Partner:
    partner = Partner(alliance_id=1, key="w", name="W", agenda_source=URL)
    remember_import(partner, source, KNOWN, at)
    return partner


def test_a_calendar_never_imported_is_read_in_full() -> None:
    partner = Partner(alliance_id=1, key="w", name="W", agenda_source=URL)
    assert request_for(partner, NOW) == CalendarRequest(URL)


def test_the_last_import_s_validators_go_along_while_they_still_hold() -> None:
    assert request_for(_imported(), NOW) == CalendarRequest(URL, KNOWN)
    later = NOW + FULL_READ_AFTER - timedelta(minutes=1)
    assert request_for(_imported(), later) == CalendarRequest(URL, KNOWN)


@pytest.mark.parametrize(
    ("partner", "now"),
    [
        (_imported(source="https://old.example/agenda.ics"), NOW),  # another address
        (_imported(), NOW + FULL_READ_AFTER),  # the window slid on: new repeats come into view
        (_imported(), NOW - timedelta(days=1)),  # a run as of a day before that import
    ],
    ids=["moved", "old", "earlier"],
)
def test_validators_that_no_longer_describe_the_agenda_are_not_sent(
    partner: Partner, now: datetime
) -> None:
    assert request_for(partner, now) == CalendarRequest(URL)


def _woonkracht(session: Session) -> Partner:
    return session.exec(select(Partner).where(Partner.key == "woonkracht")).one()


def _items(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(AgendaItem)).one()


def test_requests_are_made_for_active_partners_with_a_calendar(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        _woonkracht(session).active = False
    with Session(demo_engine) as session:
        wanted = calendar_requests(session, 1, NOW)
    assert [w.partner_key for w in wanted] == ["gemeente-tiel", "zorggroep"]
    assert all(w.request.source.endswith(f"{w.partner_key}.ics") for w in wanted)


def test_an_answer_is_imported_and_remembered_and_not_modified_writes_nothing(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        partner = _woonkracht(session)
        partner.agenda_source = URL
        wanted = PartnerCalendar(partner.id or 0, partner.key, CalendarRequest(URL))
    with session_scope(demo_engine) as session:
        report = apply_answer(
            session, wanted, Fetched(OUTLOOK, KNOWN), now=NOW, default_tz="Europe/Amsterdam"
        )
    assert report is not None and report.added > 0
    with Session(demo_engine) as session:
        partner = _woonkracht(session)
        assert request_for(partner, NOW + timedelta(days=1)) == CalendarRequest(URL, KNOWN)
    items = _items(demo_engine)
    with session_scope(demo_engine) as session:
        assert apply_answer(session, wanted, NotModified(), now=NOW, default_tz="UTC") is None
        assert not session.dirty and not session.new
    assert _items(demo_engine) == items


def test_a_problem_or_a_missing_answer_raises_and_a_moved_partner_is_left_alone(
    demo_engine: Engine,
) -> None:
    with Session(demo_engine) as session:
        partner = _woonkracht(session)  # its source is the demo file, not URL
        wanted = PartnerCalendar(partner.id or 0, partner.key, CalendarRequest(URL))
        problem = CalendarError("The calendar at x answered 503.")
        with pytest.raises(CalendarError, match="answered 503"):
            apply_answer(session, wanted, problem, now=NOW, default_tz="UTC")
        with pytest.raises(CalendarError, match="the reader gave no answer"):
            apply_answer(session, wanted, None, now=NOW, default_tz="UTC")
        # its calendar moved while this one was on its way: this one is not its agenda
        assert apply_answer(session, wanted, Fetched(OUTLOOK), now=NOW, default_tz="UTC") is None
        assert _woonkracht(session).agenda_imported_at is None
    assert _items(demo_engine) == 0
