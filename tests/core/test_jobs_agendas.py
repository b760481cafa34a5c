"""The agendas job against slow calendar servers, with other writers about (SQLite and
PostgreSQL): calendars are fetched together with no transaction open, unchanged ones cost a
304, each partner's import commits on its own, and a silent server costs at most the budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.adapters.calendar_feed import CalendarFeed
from bot.core.agenda.feeds import CalendarAnswer, CalendarRequest
from bot.core.agenda.models import AgendaItem
from bot.core.inbox.models import Inbound
from bot.core.jobs import JobEdge, run_due_job
from bot.core.kernel.models import JobRun, Partner
from bot.db import session_scope
from tests.conftest import DEMO_FILE
from tests.core.toolkit.test_plan import vevent
from tests.fakes.calendars import FakeCalendars, Seen

NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday, 06:00 in Amsterdam
KEYS = ("gemeente-tiel", "woonkracht", "zorggroep")
DELAY = 1.0  # seconds each calendar takes to come, when the server is slow


@pytest.fixture
def calendars(demo_engine: Engine) -> Iterator[FakeCalendars]:
    """The demo's three calendars, published on a local server the partners point at."""
    with FakeCalendars().running() as fake:
        with session_scope(demo_engine) as session:
            for key in KEYS:
                fake.publish(
                    f"/{key}.ics", (DEMO_FILE.parent / "agendas" / f"{key}.ics").read_bytes()
                )
                _partner(session, key).agenda_source = fake.url(f"/{key}.ics")
        yield fake


def _partner(session: Session, key: str) -> Partner:
    return session.exec(select(Partner).where(Partner.key == key)).one()


def _agenda(engine: Engine, key: str) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        partner_id = _partner(session, key).id
        rows = session.exec(select(AgendaItem).where(AgendaItem.partner_id == partner_id))
        return sorted(tuple(row.model_dump().values()) for row in rows)


def _etag(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        return _partner(session, key).agenda_etag


def _edited(calendars: FakeCalendars, key: str, uid: str) -> None:
    """The partner's calendar with one event more, published anew."""
    old = (DEMO_FILE.parent / "agendas" / f"{key}.ics").read_bytes().decode().rstrip()
    extra = vevent(uid, date(2026, 12, 12), "Open dag", categories="evenement")
    calendars.publish(
        f"/{key}.ics", (old.removesuffix("END:VCALENDAR") + extra + "END:VCALENDAR\r\n").encode()
    )


def _uids(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.exec(select(AgendaItem.uid)).all())


@dataclass
class Watched:
    """A feed that notes whether the job's session held a transaction while it fetched."""

    session: Session
    feed: CalendarFeed
    open_during_fetch: bool | None = None

    def __call__(
        self, requests: Sequence[CalendarRequest]
    ) -> dict[CalendarRequest, CalendarAnswer]:
        self.open_during_fetch = self.session.in_transaction()
        return self.feed(requests)


def run_agendas(
    engine: Engine, now: datetime, feed: CalendarFeed | None = None, **hooks: Any
) -> tuple[dict[str, Any], Watched]:
    """One due moment of the job, as the clock runs it; its ledger row's detail."""
    with session_scope(engine) as session:
        for name, hook in hooks.items():
            event.listen(session, name, hook)
        watched = Watched(session, feed or CalendarFeed())
        assert run_due_job(session, "agendas", now, now, JobEdge(calendars=watched))
    with Session(engine) as session:
        row = session.exec(select(JobRun).where(JobRun.due_at == now)).one()
    return dict(row.detail or {}), watched


@dataclass
class Writer:
    """Another process's work: waits for the first calendar request, then writes the rows
    the job is about to write too (the partners) and one of its own."""

    engine: Engine
    arrived: threading.Event
    started: float = 0.0
    finished: float = 0.0
    error: BaseException | None = None

    def __call__(self) -> None:
        try:
            assert self.arrived.wait(10), "the job asked for no calendar"
            self.started = time.monotonic()
            with session_scope(self.engine) as session:
                for partner in session.exec(select(Partner)):
                    partner.constituency = "bijgewerkt tijdens het ophalen"
                session.add(Inbound(platform="telegram", key="during-fetch", payload="{}"))
            self.finished = time.monotonic()
        except BaseException as error:  # reported by the test
            self.error = error


def test_calendars_come_together_and_nobody_waits_for_them(
    demo_engine: Engine, calendars: FakeCalendars
) -> None:
    calendars.delay = DELAY
    writer = Writer(demo_engine, calendars.first_arrival)
    thread = threading.Thread(target=writer)
    thread.start()
    detail, watched = run_agendas(demo_engine, NOW)
    thread.join(10)

    assert writer.error is None  # no "database is locked", no lock wait timed out
    assert watched.open_during_fetch is False  # no transaction while the web answers
    first_answer = min(seen.answered for seen in calendars.seen)
    assert writer.finished < first_answer  # done while every calendar was still on its way
    arrivals = [seen.arrived for seen in calendars.seen]
    # together: every calendar was asked before the first one answered (an order, not a time)
    assert len(arrivals) == 3 and max(arrivals) < first_answer

    assert detail["problems"] == {} and detail["planned"] > 0
    with Session(demo_engine) as session:
        for key in KEYS:
            partner = _partner(session, key)
            assert partner.constituency == "bijgewerkt tijdens het ophalen"  # not written over
            assert partner.agenda_etag == calendars.etag(f"/{key}.ics")
        assert session.exec(select(Inbound.key)).all() == ["during-fetch"]


def test_unchanged_calendars_cost_a_304_and_a_changed_one_is_imported(
    demo_engine: Engine, calendars: FakeCalendars
) -> None:
    first, _ = run_agendas(demo_engine, NOW)
    assert first["problems"] == {} and first["planned"] > 0
    agendas = {key: _agenda(demo_engine, key) for key in KEYS}
    assert all(agendas.values())

    later = NOW + timedelta(hours=1)
    assert run_agendas(demo_engine, later)[0] == {"planned": 0, "cancelled": 0, "problems": {}}
    second = _asked(calendars, 3)
    assert {k: s.if_none_match for k, s in second.items()} == {
        key: calendars.etag(f"/{key}.ics") for key in KEYS
    }
    assert {k: s.status for k, s in second.items()} == dict.fromkeys(KEYS, 304)
    assert {key: _agenda(demo_engine, key) for key in KEYS} == agendas  # untouched

    _edited(calendars, "woonkracht", "open-dag@w.test")
    run_agendas(demo_engine, later + timedelta(hours=1))
    third = {k: s.status for k, s in _asked(calendars, 6).items()}
    assert third == {"gemeente-tiel": 304, "woonkracht": 200, "zorggroep": 304}
    assert "open-dag@w.test" in _uids(demo_engine)
    assert _etag(demo_engine, "woonkracht") == calendars.etag("/woonkracht.ics")

    next_week = NOW + timedelta(days=8)  # the window slid on: every calendar read in full
    run_agendas(demo_engine, next_week)
    fourth = {k: (s.if_none_match, s.status) for k, s in _asked(calendars, 9).items()}
    assert fourth == dict.fromkeys(KEYS, (None, 200))


def _asked(calendars: FakeCalendars, since: int) -> dict[str, Seen]:
    """The requests of one run (those after the first `since`), by partner; one each."""
    run = calendars.seen[since:]
    by_key = {seen.path.strip("/").removesuffix(".ics"): seen for seen in run}
    assert len(by_key) == len(run) == 3
    return by_key


def _failing_flush_for(partner_id: int) -> Any:
    """A write that the database refuses for one partner's agenda (another writer's lock)."""

    def before_flush(session: Session, *_: Any) -> None:
        if any(isinstance(o, AgendaItem) and o.partner_id == partner_id for o in session.new):
            raise OperationalError("INSERT INTO agendaitem", {}, Exception("database is locked"))

    return before_flush


def test_a_broken_calendar_or_a_refused_write_costs_that_partner_only(
    demo_engine: Engine, calendars: FakeCalendars
) -> None:
    run_agendas(demo_engine, NOW)
    tiel, zorg = _agenda(demo_engine, "gemeente-tiel"), _agenda(demo_engine, "zorggroep")
    tiel_etag, zorg_etag = _etag(demo_engine, "gemeente-tiel"), _etag(demo_engine, "zorggroep")
    calendars.publish("/gemeente-tiel.ics", b"<html>Deze pagina bestaat niet meer</html>")
    _edited(calendars, "woonkracht", "open-dag@w.test")
    _edited(calendars, "zorggroep", "open-dag@z.test")
    with Session(demo_engine) as session:
        zorg_id = _partner(session, "zorggroep").id or 0

    later = NOW + timedelta(hours=1)
    detail, _ = run_agendas(demo_engine, later, before_flush=_failing_flush_for(zorg_id))
    assert set(detail["problems"]) == {"gemeente-tiel", "zorggroep"}
    assert "not an iCalendar file" in detail["problems"]["gemeente-tiel"]
    assert "could not be saved (database is locked)" in detail["problems"]["zorggroep"]
    assert _agenda(demo_engine, "gemeente-tiel") == tiel  # their last good imports
    assert _agenda(demo_engine, "zorggroep") == zorg
    assert (_etag(demo_engine, "gemeente-tiel"), _etag(demo_engine, "zorggroep")) == (
        tiel_etag,
        zorg_etag,
    )  # so the next run asks for their calendars again
    assert "open-dag@w.test" in _uids(demo_engine)  # the partner in between still imported

    run_agendas(demo_engine, later + timedelta(hours=1))
    assert "open-dag@z.test" in _uids(demo_engine)


def test_a_silent_server_holds_the_job_no_longer_than_its_budget(
    demo_engine: Engine, calendars: FakeCalendars
) -> None:
    calendars.silent.add("/zorggroep.ics")
    started = time.monotonic()
    detail, _ = run_agendas(demo_engine, NOW, CalendarFeed(timeout=30, budget=1.5))
    assert time.monotonic() - started < 15  # the budget ended it, not the 30 s timeout
    assert set(detail["problems"]) == {"zorggroep"}
    assert "1.5 seconds this run allows for all calendars" in detail["problems"]["zorggroep"]
    assert _agenda(demo_engine, "zorggroep") == []
    assert _agenda(demo_engine, "woonkracht") and _agenda(demo_engine, "gemeente-tiel")
