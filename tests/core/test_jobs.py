"""Each of the clock's jobs, run twice by name: the first run does its work, the second plans,
raises and opens nothing new (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, event
from sqlmodel import Session, func, select

from bot.core.agenda.calendars import CalendarError
from bot.core.agenda.feeds import CalendarAnswer, CalendarFetcher, CalendarRequest, Fetched
from bot.core.agenda.models import AgendaItem
from bot.core.alliance.load import get_alliance
from bot.core.attention.models import Flag
from bot.core.followup.agreements import AgreementRow, import_agreements
from bot.core.inbox.models import Inbound, InboundStatus
from bot.core.jobs import JOBS, JobEdge, UnknownJobError, run_due_job, run_job
from bot.core.kernel.models import JobRun
from bot.core.outbox.models import Delivery
from bot.core.pulse.models import PulseRound
from bot.db import session_scope

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2026, 11, 23, 9, 30, tzinfo=AMSTERDAM)  # pulse_open's moment in the demo


def _no_calendars(requests: Sequence[CalendarRequest]) -> dict[CalendarRequest, CalendarAnswer]:
    raise AssertionError(f"this job must not read calendars (asked for {requests})")


NO_CALENDARS = JobEdge(calendars=_no_calendars)


def _files(source: str) -> bytes:
    """The demo's calendars, read as the edge would (they are files next to its alliance file)."""
    try:
        return Path(source).read_bytes()
    except FileNotFoundError:
        raise CalendarError(f"The calendar file {source} does not exist.") from None


def reading(read: Callable[[str], bytes]) -> CalendarFetcher:
    """A fetcher that reads each request in full with `read` (no validators, no 304)."""

    def fetch(requests: Sequence[CalendarRequest]) -> dict[CalendarRequest, CalendarAnswer]:
        answers: dict[CalendarRequest, CalendarAnswer] = {}
        for request in requests:
            try:
                answers[request] = Fetched(read(request.source))
            except CalendarError as error:
                answers[request] = error
        return answers

    return fetch


FILES = JobEdge(calendars=reading(_files))


def run(engine: Engine, name: str, now: datetime, edge: JobEdge = NO_CALENDARS) -> dict[str, Any]:
    with session_scope(engine) as session:
        return run_job(session, name, now, edge)


def count(engine: Engine, model: type, *where: Any) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def test_an_unknown_job_is_refused_with_the_names_there_are(demo_engine: Engine) -> None:
    assert list(JOBS) == [
        "pulse_open",
        "checkins",
        "flags",
        "pulse_close",
        "agendas",
        "digest",
        "harvest",
        "inbox",
        "needs",
    ]
    with (
        Session(demo_engine) as session,
        pytest.raises(UnknownJobError, match=r"'pulse'\. Known jobs: pulse_open, checkins, flags"),
    ):
        run_job(session, "pulse", MONDAY, NO_CALENDARS)


def test_pulse_open_opens_one_round_and_invites_once(demo_engine: Engine) -> None:
    first = run(demo_engine, "pulse_open", MONDAY)
    assert first["created"] is True and first["invited"] == 6  # six ambassadors on Telegram
    deliveries = count(demo_engine, Delivery)
    assert deliveries == 6 * 3  # an invitation and two reminders each

    second = run(demo_engine, "pulse_open", MONDAY + timedelta(minutes=5))
    assert second == {"round": first["round"], "created": False, "invited": 0}
    assert count(demo_engine, PulseRound) == 1
    assert count(demo_engine, Delivery) == deliveries


def test_pulse_close_closes_once_and_only_after_the_deadline(demo_engine: Engine) -> None:
    opened = run(demo_engine, "pulse_open", MONDAY)
    assert run(demo_engine, "pulse_close", MONDAY + timedelta(hours=1)) == {"closed": None}
    with Session(demo_engine) as session:
        deadline = session.exec(select(PulseRound)).one().closes_at
    assert deadline is not None
    after = deadline + timedelta(minutes=5)

    assert run(demo_engine, "pulse_close", after) == {"closed": opened["round"]}
    deliveries = count(demo_engine, Delivery)
    assert run(demo_engine, "pulse_close", after + timedelta(hours=1)) == {"closed": None}
    assert count(demo_engine, Delivery) == deliveries
    assert count(demo_engine, PulseRound) == 1


def test_checkins_plan_each_check_in_once(demo_engine: Engine) -> None:
    today = MONDAY.date()
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        alliance.quiet_hours, alliance.weekly_cap = "00:00-00:00", 50
        due, made = today + timedelta(days=10), today - timedelta(days=30)
        row = AgreementRow("A1", "Twee sprekers", "woonkracht", None, made, due, None)
        import_agreements(session, alliance, [row])
    morning = datetime.combine(today, datetime.min.time(), tzinfo=AMSTERDAM) + timedelta(hours=7)

    assert run(demo_engine, "checkins", morning) == {"planned": 2}  # before and after, to anna
    assert count(demo_engine, Delivery) == 2
    assert run(demo_engine, "checkins", morning + timedelta(days=1)) == {"planned": 0}
    assert count(demo_engine, Delivery) == 2


def _planted_decline() -> list[AgreementRow]:
    """Woonkracht kept its agreements for months, then mostly stopped (the CLI test's data)."""
    rows = []
    start = date(2025, 9, 1)
    for i in range(16):
        due = start + timedelta(days=14 * (i // 2) + 7 * (i % 2))
        made, done = due - timedelta(days=21), due - timedelta(days=1)
        rows.append(AgreementRow(f"B{i}", f"Ok {i}", "woonkracht", "west", made, due, done))
    for i in range(10):
        due = date(2026, 1, 5) + timedelta(days=7 * i)
        done = None if i % 3 else due + timedelta(days=9)
        made = due - timedelta(days=21)
        rows.append(AgreementRow(f"L{i}", f"Laat {i}", "woonkracht", "west", made, due, done))
    return rows


def test_flags_raise_a_decline_once(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        import_agreements(session, get_alliance(session), _planted_decline())
    morning = datetime(2026, 3, 16, 7, 30, tzinfo=AMSTERDAM)

    first = run(demo_engine, "flags", morning)
    assert any(raised.startswith("partner:woonkracht:") for raised in first["raised"])
    flags, deliveries = count(demo_engine, Flag), count(demo_engine, Delivery)
    assert flags == len(first["raised"]) and deliveries > 0  # told to the advisers

    assert run(demo_engine, "flags", morning + timedelta(hours=1)) == {"raised": []}
    assert count(demo_engine, Flag) == flags
    assert count(demo_engine, Delivery) == deliveries


def test_agendas_import_and_plan_once(demo_engine: Engine) -> None:
    now = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday, 06:00 in Amsterdam
    first = run(demo_engine, "agendas", now, FILES)
    assert first["problems"] == {} and first["planned"] > 0
    items, deliveries = count(demo_engine, AgendaItem), count(demo_engine, Delivery)
    assert items > 0 and deliveries == first["planned"]

    second = run(demo_engine, "agendas", now + timedelta(hours=1), FILES)
    assert second == {"planned": 0, "cancelled": 0, "problems": {}}
    assert count(demo_engine, AgendaItem) == items
    assert count(demo_engine, Delivery) == deliveries


def test_agendas_read_every_calendar_before_the_first_write(
    demo_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """No web server, however slow, holds the transaction open while it has written."""
    events: list[str] = []

    def reader(source: str) -> bytes:
        events.append("read")
        if "gemeente-tiel" in source:
            raise CalendarError("The calendar at https://tiel.example/agenda.ics answered 503.")
        return _files(source)

    now = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
    with session_scope(demo_engine) as session, caplog.at_level(logging.WARNING):
        event.listen(session, "before_flush", lambda *_: events.append("write"))
        assert run_due_job(session, "agendas", now, now, JobEdge(calendars=reading(reader)))
    assert events[:4] == ["read", "read", "read", "write"]  # three calendars, then the imports
    assert events.count("read") == 3  # once per partner, never again while writing
    with Session(demo_engine) as session:
        detail = session.exec(select(JobRun)).one().detail or {}
    assert set(detail["problems"]) == {"gemeente-tiel"} and detail["planned"] > 0
    assert "agenda of gemeente-tiel not imported" in caplog.text


def test_digest_is_planned_once_a_week(demo_engine: Engine) -> None:
    monday = datetime(2026, 11, 23, 8, 45, tzinfo=AMSTERDAM)
    assert run(demo_engine, "digest", monday) == {"digest": "planned"}
    digests = (Delivery.kind == "digest",)
    assert count(demo_engine, Delivery, *digests) == 1
    assert run(demo_engine, "digest", monday + timedelta(hours=2)) == {"digest": "duplicate"}
    assert count(demo_engine, Delivery, *digests) == 1


def test_inbox_forgets_handled_updates_after_a_week_once(demo_engine: Engine) -> None:
    now = datetime(2026, 11, 23, 4, 15, tzinfo=UTC)
    with session_scope(demo_engine) as session:
        for key, status, done in (
            ("old", InboundStatus.DONE, now - timedelta(days=8)),
            ("recent", InboundStatus.DONE, now - timedelta(days=2)),
            ("waiting", InboundStatus.PENDING, None),
        ):
            session.add(
                Inbound(platform="telegram", key=key, payload="{}", status=status, done_at=done)
            )
    assert run(demo_engine, "inbox", now) == {"pruned": 1}
    assert run(demo_engine, "inbox", now) == {"pruned": 0}
    with Session(demo_engine) as session:
        assert sorted(session.exec(select(Inbound.key)).all()) == ["recent", "waiting"]
