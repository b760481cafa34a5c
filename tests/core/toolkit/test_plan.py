"""Timing toolkit snippets to partner agendas: when, to whom, how often, and re-imports.

Every test works from a fixed `now` and small calendars written inline, so the expected send
days are concrete dates. Tests about the database's behaviour (re-imports, idempotency) run
on SQLite and PostgreSQL; the rest use a copy of one prepared SQLite file, which is fast.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.adapters.calendar_feed import job_edge
from bot.core.agenda.calendars import CalendarError
from bot.core.agenda.items import AgendaImport, import_agenda
from bot.core.agenda.models import AgendaItem
from bot.core.alliance.file import read_alliance_file
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.dispatch import press
from bot.core.jobs import run_due_job
from bot.core.kernel.models import Identity, JobRun, Partner, Person
from bot.core.kernel.people import language_of
from bot.core.kernel.replies import Reply
from bot.core.outbox.models import Delivery
from bot.core.toolkit.feedback import Coverage, coverage, planned_snippets
from bot.core.toolkit.models import ToolkitFeedback
from bot.core.toolkit.personalise import personalise
from bot.core.toolkit.plan import (
    HORIZON,
    PER_MOMENT,
    PlanReport,
    plan_snippets,
    send_day,
    snippets_for,
    working_time,
)
from bot.core.toolkit.snippets import library, load_library
from bot.db import make_engine, migrate, session_scope
from bot.demo.run import build_demo_database
from bot.render.plain import render_plain
from tests.conftest import DEMO_FILE

AMS = ZoneInfo("Europe/Amsterdam")
ALLIANCE = "Alliantie Langer Thuis Rivierenland"
WOONKRACHT = "Woonkracht Rivierenland"
NOW = datetime(2027, 2, 3, 8, 0, tzinfo=UTC)  # a Wednesday, 09:00 in Amsterdam
FIXTURES = Path(__file__).parents[2] / "fixtures" / "calendars"
LEAD = {s.key: s.lead_days for s in load_library()}


# -- helpers, also used by test_toolkit_commands.py and test_cli_toolkit.py ----------------------


def vevent(
    uid: str,
    start: date | datetime,
    summary: str,
    *,
    categories: str | None = None,
    status: str | None = None,
) -> str:
    """One VEVENT; a datetime is local time in Amsterdam, a date is an all-day event."""
    if isinstance(start, datetime):
        end = start + timedelta(hours=2)
        when = (
            f"DTSTART;TZID=Europe/Amsterdam:{start:%Y%m%dT%H%M%S}\r\n"
            f"DTEND;TZID=Europe/Amsterdam:{end:%Y%m%dT%H%M%S}\r\n"
        )
    else:
        when = f"DTSTART;VALUE=DATE:{start:%Y%m%d}\r\n"
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        when.rstrip("\r\n"),
        f"SUMMARY:{summary}",
    ]
    if categories:
        lines.append(f"CATEGORIES:{categories}")
    if status:
        lines.append(f"STATUS:{status}")
    lines.append("END:VEVENT")
    return "\r\n".join(lines) + "\r\n"


def calendar(*events: str) -> bytes:
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//alliancebot tests//NL\r\n"
    return (head + "".join(events) + "END:VCALENDAR\r\n").encode()


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMS)


def demo_template(directory: Path) -> Path:
    """A migrated SQLite file with the demo alliance loaded (no history, no agendas)."""
    path = directory / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with session_scope(engine) as session:
        load_alliance(session, read_alliance_file(DEMO_FILE), DEMO_FILE.parent)
    engine.dispose()
    return path


def demo_copy(template: Path, directory: Path) -> Engine:
    copy = directory / "demo.db"
    shutil.copyfile(template, copy)
    return make_engine(f"sqlite:///{copy}")


def partner_of(session: Session, key: str) -> Partner:
    return session.exec(select(Partner).where(Partner.key == key)).one()


def person_of(session: Session, key: str) -> Person:
    return session.exec(select(Person).where(Person.key == key)).one()


def import_ics(
    engine: Engine, data: bytes, key: str = "woonkracht", now: datetime = NOW
) -> AgendaImport:
    with session_scope(engine) as session:
        return import_agenda(session, partner_of(session, key), data, source="test.ics", now=now)


def plan(engine: Engine, now: datetime = NOW) -> PlanReport:
    with session_scope(engine) as session:
        return plan_snippets(session, get_alliance(session), now)


def deliveries(engine: Engine, status: str | None = None) -> list[Delivery]:
    with Session(engine, expire_on_commit=False) as session:
        query = select(Delivery).where(Delivery.kind == "snippet").order_by(col(Delivery.id))
        if status:
            query = query.where(Delivery.status == status)
        return list(session.exec(query))


def item_of(engine: Engine, uid: str) -> AgendaItem | None:
    with Session(engine) as session:
        return session.exec(select(AgendaItem).where(AgendaItem.uid == uid)).first()


def ids(engine: Engine) -> dict[str, int]:
    """Person and partner ids by key (persons as is, partners prefixed with 'p:')."""
    with Session(engine) as session:
        found = {p.key: p.id or 0 for p in session.exec(select(Person))}
        found.update({f"p:{p.key}": p.id or 0 for p in session.exec(select(Partner))})
        return found


def short(key: str) -> str:
    """A snippet delivery's key without the moment's start: moment, snippet, person, day."""
    return key.rsplit(":", 1)[0]


def snippet_of(delivery: Delivery) -> str:
    return delivery.dedupe_key.split(":")[2]


def day_of(delivery: Delivery) -> str:
    return delivery.dedupe_key.split(":")[4]


def snapshot(engine: Engine) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    with Session(engine) as session:
        items = session.exec(select(AgendaItem).order_by(col(AgendaItem.id)))
        sent = session.exec(select(Delivery).order_by(col(Delivery.id)))
        return (
            [tuple(i.model_dump().values()) for i in items],
            [(d.id, d.dedupe_key, d.status, d.due_at) for d in sent],
        )


# -- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_template(tmp_path_factory.mktemp("toolkit-plan"))


@pytest.fixture
def demo(template: Path, tmp_path: Path) -> Iterator[Engine]:
    """The demo alliance on SQLite, for tests where the database makes no difference."""
    engine = demo_copy(template, tmp_path)
    yield engine
    engine.dispose()


NEWSLETTER = vevent(
    "nieuwsbrief-feb@woonkracht.test", date(2027, 2, 23), "Deadline nieuwsbrief Thuis"
)


# -- when -----------------------------------------------------------------------------------


def test_send_day_moves_a_weekend_back_to_friday() -> None:
    assert send_day(date(2027, 2, 23), 7) == date(2027, 2, 16)  # Tuesday: as is
    assert send_day(date(2027, 2, 22), 2) == date(2027, 2, 19)  # Saturday -> Friday
    assert send_day(date(2027, 2, 23), 2) == date(2027, 2, 19)  # Sunday -> Friday
    assert send_day(date(2027, 2, 5), 0) == date(2027, 2, 5)


def test_working_time_moves_a_weekend_to_monday_unless_the_moment_comes_first() -> None:
    saturday = datetime(2027, 2, 6, 10, 0, tzinfo=UTC)
    assert working_time(saturday, date(2027, 2, 10), AMS) == local(date(2027, 2, 8), 9)
    assert working_time(saturday, date(2027, 2, 8), AMS) == saturday  # Monday is the moment
    assert working_time(NOW, date(2027, 2, 10), AMS) == NOW  # a working day stays


def test_a_newsletter_deadline_gets_snippets_lead_days_before_at_nine(demo: Engine) -> None:
    import_ics(demo, calendar(NEWSLETTER))
    report = plan(demo)

    item = item_of(demo, "nieuwsbrief-feb@woonkracht.test")
    assert item is not None and item.kind == "newsletter"
    anna = ids(demo)["anna"]
    planned = {short(d.dedupe_key): d for d in deliveries(demo)}
    assert report == PlanReport(planned=2, cancelled=0, unchanged=0)
    # four shipped snippets serve newsletters (intranet-update, newsletter-pillar-1,
    # newsletter-roof, social-pillar-3); PER_MOMENT of them are sent for one deadline, and
    # the first moment (id 1) starts the rotation at serving[1 % 4]
    assert item.id == 1
    assert set(planned) == {
        f"snippet:{item.id}:newsletter-pillar-1:{anna}:2027-02-12",  # 10 before is Saturday
        f"snippet:{item.id}:newsletter-roof:{anna}:2027-02-09",  # 14 days before, a Tuesday
    }
    assert LEAD["newsletter-pillar-1"] == 10 and LEAD["newsletter-roof"] == 14
    # the key ends with the moment's start in UTC: midnight in Amsterdam is 23:00 the day before
    assert {d.dedupe_key for d in planned.values()} == {f"{k}:20270222T2300" for k in planned}
    roof = planned[f"snippet:{item.id}:newsletter-roof:{anna}:2027-02-09"]
    pillar = planned[f"snippet:{item.id}:newsletter-pillar-1:{anna}:2027-02-12"]
    assert roof.due_at == local(date(2027, 2, 9), 9) == datetime(2027, 2, 9, 8, tzinfo=UTC)
    assert pillar.due_at == local(date(2027, 2, 12), 9)
    for delivery in planned.values():
        assert delivery.person_id == anna  # Woonkracht's adviser, reachable on Slack
        assert delivery.platform == "slack"
        assert delivery.status == "pending" and not delivery.held_back
        assert delivery.expires_at == local(date(2027, 2, 23), 0)  # the deadline itself
        assert [b["action"] for b in delivery.buttons] == [
            f"tf:{delivery.id}:u",
            f"tf:{delivery.id}:a",
            f"tf:{delivery.id}:n",
        ]
        assert [b["label"] for b in delivery.buttons] == [
            "Gebruikt",
            "Aangepast gebruikt",
            "Niet relevant",
        ]
        assert 'voor "Deadline nieuwsbrief Thuis" op 23 februari 2027' in delivery.body


def test_a_monday_moment_with_a_snippet_due_saturday_gets_it_on_friday(demo: Engine) -> None:
    earlier = vevent("nb-di@w.test", local(date(2027, 2, 16), 10), "Kopij nieuwsbrief extra")
    monday = vevent("nb-ma@w.test", local(date(2027, 2, 22), 10), "Sluiting kopij nieuwsbrief")
    import_ics(demo, calendar(earlier, monday))
    plan(demo)
    item = item_of(demo, "nb-ma@w.test")
    # the second moment (id 2) gets serving[2] and serving[3], one of them leading two days
    assert item is not None and item.id == 2
    by_snippet = {
        snippet_of(d): d for d in deliveries(demo) if d.dedupe_key.startswith(f"snippet:{item.id}:")
    }
    assert set(by_snippet) == {"social-pillar-3", "newsletter-roof"}
    assert day_of(by_snippet["social-pillar-3"]) == "2027-02-19"  # Saturday the 20th -> Friday
    assert by_snippet["social-pillar-3"].due_at == local(date(2027, 2, 19), 9)
    assert day_of(by_snippet["newsletter-roof"]) == "2027-02-08"  # a Monday: as is
    assert by_snippet["newsletter-roof"].due_at == local(date(2027, 2, 8), 9)


def test_at_most_per_moment_snippets_rotating_between_moments(demo: Engine) -> None:
    first = vevent("nb-1@w.test", local(date(2027, 3, 2), 10), "Nieuwsbrief maart")
    second = vevent("nb-2@w.test", local(date(2027, 3, 23), 10), "Nieuwsbrief april")
    import_ics(demo, calendar(first, second))
    plan(demo)
    with Session(demo) as session:
        alliance = get_alliance(session)
        serving = [s for s in library(session, alliance) if "newsletter" in s.agenda_kinds]
    assert len(serving) == 4 and PER_MOMENT == 2
    chosen: dict[str, set[str]] = {}
    for uid in ("nb-1@w.test", "nb-2@w.test"):
        item = item_of(demo, uid)
        assert item is not None
        mine = [d for d in deliveries(demo) if d.dedupe_key.startswith(f"snippet:{item.id}:")]
        chosen[uid] = {snippet_of(d) for d in mine}
        assert len(mine) == PER_MOMENT
        assert chosen[uid] == {s.key for s in snippets_for(serving, item, item.id or 0)}
    # ids 1 and 2 (imported in order of start): serving[1:3], then serving[2:4]
    assert chosen == {
        "nb-1@w.test": {"newsletter-pillar-1", "newsletter-roof"},
        "nb-2@w.test": {"newsletter-roof", "social-pillar-3"},
    }
    assert chosen["nb-1@w.test"] != chosen["nb-2@w.test"]  # not the same text every month


def test_a_moment_closer_than_its_lead_time_is_due_now_not_skipped(demo: Engine) -> None:
    friday = local(date(2027, 2, 5), 14)  # two days after NOW; every board snippet leads 5+
    import_ics(
        demo, calendar(vevent("b@w.test", friday, "Bestuursvergadering", categories="bestuur"))
    )
    report = plan(demo)
    planned = deliveries(demo)
    assert report.planned == 2 and len(planned) == 2
    # board-memo, intranet-pillar-2 and press-quote-pillar-1 serve a board; id 1 gets the last two
    assert {snippet_of(d): day_of(d) for d in planned} == {
        "press-quote-pillar-1": "2027-01-29",  # 5 days before is Sunday the 31st -> Friday
        "intranet-pillar-2": "2027-01-29",  # 7 days before, a Friday
    }
    assert all(d.due_at == NOW for d in planned)


def test_a_late_moment_planned_at_night_waits_for_the_end_of_quiet_hours(demo: Engine) -> None:
    night = datetime(2027, 2, 3, 21, 30, tzinfo=UTC)  # 22:30 in Amsterdam: quiet hours
    friday = local(date(2027, 2, 5), 14)
    import_ics(
        demo,
        calendar(vevent("b@w.test", friday, "Bestuursvergadering", categories="bestuur")),
        now=night,
    )
    plan(demo, night)
    planned = deliveries(demo)
    assert len(planned) == 2
    assert all(d.due_at == local(date(2027, 2, 4), 8) for d in planned)  # 08:00 next morning


def test_planning_on_a_saturday_sends_on_monday_unless_the_moment_comes_first(
    demo: Engine,
) -> None:
    saturday = datetime(2027, 2, 6, 10, 0, tzinfo=UTC)
    wednesday = vevent("b-wo@w.test", local(date(2027, 2, 10), 14), "Bestuur", categories="bestuur")
    sunday = vevent(
        "b-zo@w.test", local(date(2027, 2, 7), 15), "Bestuur zondag", categories="bestuur"
    )
    import_ics(demo, calendar(wednesday, sunday), now=saturday)
    plan(demo, saturday)
    wed, sun = item_of(demo, "b-wo@w.test"), item_of(demo, "b-zo@w.test")
    assert wed is not None and sun is not None
    for delivery in deliveries(demo):
        if delivery.dedupe_key.startswith(f"snippet:{wed.id}:"):
            assert delivery.due_at == local(date(2027, 2, 8), 9)
        else:
            assert delivery.dedupe_key.startswith(f"snippet:{sun.id}:")
            assert delivery.due_at == saturday  # Monday would be after the moment


def test_the_weekly_cap_holds_snippets_back_to_the_next_week(demo: Engine) -> None:
    meetings = [
        vevent(f"b{day}@w.test", local(date(2027, 2, day), 14), "Bestuur", categories="bestuur")
        for day in (5, 8, 9)  # every board snippet leads 5+ days: all due now
    ]
    import_ics(demo, calendar(*meetings))
    assert plan(demo).planned == 6
    planned = deliveries(demo)
    now = [d for d in planned if d.due_at == NOW]
    later = [d for d in planned if d.due_at != NOW]
    assert len(now) == 3  # the demo's weekly cap
    assert len(later) == 3
    assert all(d.held_back and d.due_at == local(date(2027, 2, 8), 8) for d in later)
    assert not any(d.held_back for d in now)


def test_moments_beyond_the_horizon_plan_nothing(demo: Engine) -> None:
    assert timedelta(weeks=8) == HORIZON
    inside = vevent("in@w.test", local(date(2027, 3, 30), 10), "Nieuwsbrief binnen")
    outside = vevent("out@w.test", local(date(2027, 4, 2), 10), "Nieuwsbrief buiten")
    import_ics(demo, calendar(inside, outside))
    plan(demo)
    in_item, out_item = item_of(demo, "in@w.test"), item_of(demo, "out@w.test")
    assert in_item is not None and out_item is not None  # both imported (120 days)
    keys = [short(d.dedupe_key) for d in deliveries(demo)]
    assert len(keys) == PER_MOMENT
    assert all(k.startswith(f"snippet:{in_item.id}:") for k in keys)


def test_only_reachable_advisers_receive_and_contacts_stand_in(demo: Engine) -> None:
    friday = local(date(2027, 2, 19), 14)
    board = vevent("b@z.test", friday, "Bestuursvergadering", categories="bestuur")
    for key in ("woonkracht", "welzijn"):  # welzijn's adviser dirk has no chat account
        import_ics(demo, calendar(board), key=key)
    with session_scope(demo) as session:
        anna = person_of(session, "anna")
        identity = session.exec(select(Identity).where(Identity.person_id == anna.id)).one()
        identity.unreachable_since = NOW  # Slack said: account gone
        petra = person_of(session, "petra")
        address = session.exec(select(Identity).where(Identity.person_id == petra.id)).one()
        address.unreachable_since = NOW  # and Petra's e-mail bounced
    assert plan(demo).planned == 0
    assert deliveries(demo) == []
    # a partner contact with an account stands in for an unreachable adviser
    with session_scope(demo) as session:
        petra = person_of(session, "petra")
        session.add(Identity(person_id=petra.id or 0, platform="telegram", external_id="555"))
    assert plan(demo).planned == 2
    petra_id = ids(demo)["petra"]
    assert {d.person_id for d in deliveries(demo)} == {petra_id}
    assert {d.platform for d in deliveries(demo)} == {"telegram"}


def test_a_contact_with_only_an_email_address_stands_in_by_email(demo: Engine) -> None:
    friday = local(date(2027, 2, 19), 14)
    import_ics(demo, calendar(vevent("b@z.test", friday, "Bestuur", categories="bestuur")))
    with session_scope(demo) as session:
        anna = person_of(session, "anna")
        identity = session.exec(select(Identity).where(Identity.person_id == anna.id)).one()
        identity.unreachable_since = NOW
    assert plan(demo).planned == 2
    assert {d.person_id for d in deliveries(demo)} == {ids(demo)["petra"]}
    assert {d.platform for d in deliveries(demo)} == {"email"}


def test_an_english_speaking_adviser_gets_the_english_text(demo: Engine) -> None:
    with session_scope(demo) as session:
        frank = person_of(session, "frank")  # language = "en" in the demo file
        session.add(Identity(person_id=frank.id or 0, platform="slack", external_id="U0FRANK01"))
    import_ics(demo, calendar(NEWSLETTER), key="zorgverzekeraar")
    plan(demo)
    planned = deliveries(demo)
    assert len(planned) == 2
    assert all("Ready to use:" in d.body and "Zorgverzekeraar VGZ-regio" in d.body for d in planned)
    assert all("Klaar voor gebruik" not in d.body for d in planned)


# -- idempotent, re-imports, nothing twice (both databases) -------------------------------------


def test_planning_twice_plans_nothing_new(demo_engine: Engine) -> None:
    import_ics(demo_engine, calendar(NEWSLETTER))
    assert plan(demo_engine).planned == 2
    before = snapshot(demo_engine)
    assert plan(demo_engine) == PlanReport(planned=0, cancelled=0, unchanged=2)
    assert plan(demo_engine, NOW + timedelta(days=1)).planned == 0  # a day later: the same
    assert snapshot(demo_engine) == before


def test_a_moved_moment_cancels_its_pending_snippets_and_plans_new_days(
    demo_engine: Engine,
) -> None:
    uid = "nieuwsbrief-feb@woonkracht.test"
    import_ics(demo_engine, calendar(NEWSLETTER))
    plan(demo_engine)
    old = deliveries(demo_engine)
    item = item_of(demo_engine, uid)
    assert item is not None

    moved = vevent(uid, date(2027, 3, 9), "Deadline nieuwsbrief Thuis")  # two weeks later
    assert import_ics(demo_engine, calendar(moved)).moved_uids == (uid,)
    report = plan(demo_engine)

    assert report.cancelled == 2 and report.planned == 2
    by_id = {d.id: d for d in deliveries(demo_engine)}
    assert all(by_id[d.id].status == "cancelled" for d in old)
    pending = deliveries(demo_engine, "pending")
    assert len(pending) == 2
    assert {snippet_of(d) for d in pending} == {snippet_of(d) for d in old}  # the same texts
    anna = ids(demo_engine)["anna"]
    for delivery in pending:
        snippet = snippet_of(delivery)
        expected = send_day(date(2027, 3, 9), LEAD[snippet])
        assert (
            delivery.dedupe_key
            == f"snippet:{item.id}:{snippet}:{anna}:{expected.isoformat()}:20270308T2300"
        )
        assert delivery.due_at == local(expected, 9)
        assert "9 maart 2027" in delivery.body
        assert delivery.expires_at == local(date(2027, 3, 9), 0)


def test_a_deleted_moment_cancels_its_pending_snippets(demo_engine: Engine) -> None:
    other = vevent("raad@w.test", local(date(2027, 2, 25), 19), "Huurdersraad", categories="raad")
    import_ics(demo_engine, calendar(NEWSLETTER, other))
    plan(demo_engine)
    item = item_of(demo_engine, "nieuwsbrief-feb@woonkracht.test")
    assert item is not None
    ours = {d.id for d in deliveries(demo_engine) if d.dedupe_key.startswith(f"snippet:{item.id}:")}
    assert len(ours) == 2

    report = import_ics(demo_engine, calendar(other))
    assert report.removed_uids == ("nieuwsbrief-feb@woonkracht.test",)
    assert plan(demo_engine).cancelled == 2
    assert item_of(demo_engine, "nieuwsbrief-feb@woonkracht.test") is None
    for delivery in deliveries(demo_engine):
        assert delivery.status == ("cancelled" if delivery.id in ours else "pending")


def test_a_cancelled_event_cancels_its_pending_snippets(demo_engine: Engine) -> None:
    uid = "nieuwsbrief-feb@woonkracht.test"
    import_ics(demo_engine, calendar(NEWSLETTER))
    plan(demo_engine)
    cancelled = vevent(uid, date(2027, 2, 23), "Deadline nieuwsbrief Thuis", status="CANCELLED")
    assert import_ics(demo_engine, calendar(cancelled)).cancelled_uids == (uid,)
    assert plan(demo_engine) == PlanReport(planned=0, cancelled=2, unchanged=0)
    assert {d.status for d in deliveries(demo_engine)} == {"cancelled"}
    item = item_of(demo_engine, uid)
    assert item is not None and item.cancelled
    assert plan(demo_engine).planned == 0  # and nothing comes back


def test_an_event_that_arrives_cancelled_plans_nothing(demo: Engine) -> None:
    cancelled = vevent("x@w.test", date(2027, 2, 23), "Nieuwsbrief", status="CANCELLED")
    import_ics(demo, calendar(cancelled))
    assert plan(demo).planned == 0


@pytest.mark.parametrize(
    "broken",
    [(FIXTURES / "broken_garbage.ics").read_bytes(), b"\x00\xff\xfe garbage \x89PNG\r\n"],
    ids=["html", "bytes"],
)
def test_a_broken_reimport_changes_neither_agenda_nor_deliveries(
    demo_engine: Engine, broken: bytes
) -> None:
    import_ics(demo_engine, calendar(NEWSLETTER))
    plan(demo_engine)
    before = snapshot(demo_engine)
    with pytest.raises(CalendarError), session_scope(demo_engine) as session:
        import_agenda(session, partner_of(session, "woonkracht"), broken, source="x", now=NOW)
    assert snapshot(demo_engine) == before
    assert plan(demo_engine) == PlanReport(planned=0, cancelled=0, unchanged=2)


def _mark_sent(engine: Engine, delivery_id: int, at: datetime) -> None:
    with session_scope(engine) as session:
        delivery = session.get(Delivery, delivery_id)
        assert delivery is not None
        delivery.status, delivery.sent_at = "sent", at


def test_a_sent_snippet_is_not_sent_again_after_a_move(demo_engine: Engine) -> None:
    uid = "nieuwsbrief-feb@woonkracht.test"
    import_ics(demo_engine, calendar(NEWSLETTER))
    plan(demo_engine)
    first = next(d for d in deliveries(demo_engine) if snippet_of(d) == "newsletter-roof")
    assert day_of(first) == "2027-02-09"
    _mark_sent(demo_engine, first.id or 0, local(date(2027, 2, 9), 9, 1))

    for moved_to in (date(2027, 2, 24), date(2027, 3, 2)):  # a day, then a week later
        import_ics(demo_engine, calendar(vevent(uid, moved_to, "Deadline nieuwsbrief Thuis")))
        plan(demo_engine)
        prefix = first.dedupe_key.rsplit(":", 2)[0] + ":"  # moment, snippet and person
        same = [d for d in deliveries(demo_engine) if d.dedupe_key.startswith(prefix)]
        assert [(d.id, d.status) for d in same] == [(first.id, "sent")]


def test_a_moved_moment_never_gets_more_than_per_moment_snippets(demo: Engine) -> None:
    uid = "nieuwsbrief-feb@woonkracht.test"
    import_ics(demo, calendar(NEWSLETTER))
    plan(demo)
    for delivery in deliveries(demo):
        _mark_sent(demo, delivery.id or 0, delivery.due_at)
    import_ics(demo, calendar(vevent(uid, date(2027, 3, 9), "Deadline nieuwsbrief Thuis")))
    plan(demo)
    live = [d for d in deliveries(demo) if d.status in ("pending", "sent")]
    assert len(live) <= PER_MOMENT  # the moment keeps its snippets: the sent ones count


def test_a_move_that_keeps_the_send_day_still_updates_the_pending_message(demo: Engine) -> None:
    uid = "nb-di@w.test"
    import_ics(demo, calendar(vevent(uid, local(date(2027, 2, 23), 10), "Kopij nieuwsbrief")))
    plan(demo)
    before = next(d for d in deliveries(demo) if snippet_of(d) == "newsletter-pillar-1")
    assert day_of(before) == "2027-02-12"  # 10 days before Tuesday the 23rd is a Saturday
    import_ics(demo, calendar(vevent(uid, local(date(2027, 2, 22), 10), "Kopij nieuwsbrief")))
    plan(demo)
    pillar = next(d for d in deliveries(demo, "pending") if snippet_of(d) == "newsletter-pillar-1")
    assert day_of(pillar) == "2027-02-12"  # 10 days before Monday the 22nd: the same Friday
    assert "22 februari 2027" in pillar.body  # not 23 februari
    assert pillar.expires_at == local(date(2027, 2, 22), 10)
    statuses = {d.id: d.status for d in deliveries(demo)}
    assert pillar.id != before.id and statuses[before.id] == "cancelled"


# -- positioning and what `toolkit plan` shows ---------------------------------------------------


def _plan_with(demo: Engine, positioning: str) -> list[Delivery]:
    with session_scope(demo) as session:
        get_alliance(session).positioning = positioning
    # three deadlines (ids 1 to 3) rotate through all four snippets serving newsletters
    march = [vevent(f"nb-{day}@w.test", date(2027, 3, day), "Nieuwsbrief maart") for day in (9, 23)]
    import_ics(demo, calendar(NEWSLETTER, *march))
    plan(demo)
    planned = deliveries(demo)
    assert len(planned) == 3 * PER_MOMENT
    assert {snippet_of(d) for d in planned} == {
        "intranet-update",
        "newsletter-pillar-1",
        "newsletter-roof",
        "social-pillar-3",
    }
    return planned


def _texts(demo: Engine) -> dict[str, str]:
    with Session(demo) as session:
        return {p.snippet: p.text for p in planned_snippets(session, get_alliance(session))}


def _in_body(text: str, body: str) -> bool:
    return all(str(escape(line)) in body for line in text.splitlines() if line)


def test_branded_snippets_never_name_the_alliance(demo: Engine) -> None:
    planned = _plan_with(demo, "branded")
    texts = _texts(demo)
    for delivery in planned:
        assert ALLIANCE.casefold() not in delivery.body.casefold()
        assert WOONKRACHT in delivery.body
        assert _in_body(texts[snippet_of(delivery)], delivery.body)
    # no task in the demo's file: the shared task in words, never "the cooperation"
    assert texts["social-pillar-3"].endswith(
        "Woonkracht Rivierenland werkt mee aan de gezamenlijke opgave."
    )
    assert texts["intranet-update"].startswith("Waarom Woonkracht Rivierenland meedoet")


def test_endorsed_snippets_name_the_partner_and_the_alliance(demo: Engine) -> None:
    planned = _plan_with(demo, "endorsed")
    texts = _texts(demo)
    for delivery in planned:
        text = texts[snippet_of(delivery)]
        assert WOONKRACHT in text and ALLIANCE in text
        assert _in_body(text, delivery.body)
    assert texts["social-pillar-3"].endswith(
        "Woonkracht Rivierenland werkt hieraan mee in Alliantie Langer Thuis Rivierenland."
    )
    assert texts["intranet-update"].endswith(
        "Woonkracht Rivierenland werkt samen in Alliantie Langer Thuis Rivierenland."
    )


def test_monolithic_snippets_speak_as_the_alliance(demo: Engine) -> None:
    planned = _plan_with(demo, "monolithic")
    texts = _texts(demo)
    for delivery in planned:
        assert _in_body(texts[snippet_of(delivery)], delivery.body)
    assert texts["social-pillar-3"].endswith(f"– {ALLIANCE}")
    assert texts["intranet-update"].startswith(f"Nieuws van {ALLIANCE}")
    assert f"{ALLIANCE} werkt aan één doel" in texts["intranet-update"]
    for text in texts.values():
        assert WOONKRACHT not in text  # the partner only passes the alliance's word on
        assert "werkt samen in" not in text


def test_planned_snippets_match_the_deliveries(demo: Engine) -> None:
    import_ics(demo, calendar(NEWSLETTER))
    import_ics(demo, calendar(NEWSLETTER), key="zorggroep")
    plan(demo)
    by_key = {short(d.dedupe_key): d for d in deliveries(demo)}
    with Session(demo) as session:
        alliance = get_alliance(session)
        shown = planned_snippets(session, alliance)
        snippets = {s.key: s for s in library(session, alliance)}
        people = {p.key: p for p in session.exec(select(Person))}
        partners = {p.key: p for p in session.exec(select(Partner))}
        items = {i.id: i for i in session.exec(select(AgendaItem))}
        assert len(shown) == len(by_key) == 4
        assert [p.send_at for p in shown] == sorted(p.send_at for p in shown)
        for row in shown:
            person = people[row.person]
            delivery = next(
                d
                for d in by_key.values()
                if d.person_id == person.id and snippet_of(d) == row.snippet
            )
            item = items[int(delivery.dedupe_key.split(":")[1])]
            assert row.partner == {"anna": "woonkracht", "chantal": "zorggroep"}[row.person]
            assert row.agenda_item == item.title == "Deadline nieuwsbrief Thuis"
            assert row.agenda_start == item.starts_at == local(date(2027, 2, 23), 0)
            assert row.send_at == delivery.due_at
            assert row.channel == delivery.platform == "slack"
            assert row.status == "pending"
            assert row.text == personalise(
                snippets[row.snippet],
                session=session,
                alliance=alliance,
                partner=partners[row.partner],
                language=language_of(person, alliance),
            )
            assert _in_body(row.text, delivery.body)


# -- feedback buttons and coverage ----------------------------------------------------------------


def _press(engine: Engine, who: str, action: str) -> Reply:
    with session_scope(engine) as session:
        return press(session, person_of(session, who).id or 0, action, "slack")


def _feedback(engine: Engine) -> list[tuple[int, int | None, int | None, str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(ToolkitFeedback).order_by(col(ToolkitFeedback.id)))
        return [(f.delivery_id, f.partner_id, f.person_id, f.snippet_key, f.verdict) for f in rows]


def _sent_delivery(engine: Engine) -> Delivery:
    """The first planned snippet delivery (to anna, Woonkracht's adviser), marked sent:
    feedback buttons exist only under a snippet that went out."""
    import_ics(engine, calendar(NEWSLETTER))
    plan(engine)
    delivery = deliveries(engine)[0]
    _mark_sent(engine, delivery.id or 0, datetime(2027, 2, 16, 8, 5, tzinfo=UTC))
    return delivery


def _move(engine: Engine, who: str, partner: str) -> None:
    with session_scope(engine) as session:
        person_of(session, who).partner_id = partner_of(session, partner).id


def test_feedback_buttons_store_and_change_one_verdict(demo: Engine) -> None:
    delivery = _sent_delivery(demo)
    known = ids(demo)
    snippet = snippet_of(delivery)
    used, adapted, irrelevant = (b["action"] for b in delivery.buttons)

    reply = _press(demo, "anna", used)
    assert not reply.stale and not reply.refused
    assert "Mooi, genoteerd als gebruikt" in render_plain(reply)
    row = (delivery.id, known["p:woonkracht"], known["anna"], snippet)
    assert _feedback(demo) == [(*row, "used")]
    assert "aangepast" in render_plain(_press(demo, "anna", adapted))
    assert _feedback(demo) == [(*row, "adapted")]
    assert "niet relevant" in render_plain(_press(demo, "anna", irrelevant))
    assert _feedback(demo) == [(*row, "not_relevant")]


def test_forged_feedback_presses_are_stale(demo: Engine) -> None:
    import_ics(demo, calendar(NEWSLETTER))
    plan(demo)
    pending, other = deliveries(demo)[:2]
    _mark_sent(demo, other.id or 0, datetime(2027, 2, 16, 8, 5, tzinfo=UTC))
    stale_text = "Deze knop hoort bij iets dat niet meer open staat"
    for who, action in (
        ("anna", "tf:999999:u"),  # no such delivery
        ("anna", f"tf:{other.id}:x"),  # no such verdict
        ("anna", f"tf:{other.id}"),  # a verdict missing
        ("anna", "tf:abc:u"),
        ("anna", f"tf:{pending.id}:u"),  # not sent (yet): its buttons were never shown
    ):
        reply = _press(demo, who, action)
        assert reply.stale and not reply.refused, (who, action)
        assert stale_text in render_plain(reply)
    assert _feedback(demo) == []


def test_feedback_from_anyone_but_the_recipient_or_an_own_adviser_is_refused(
    demo: Engine,
) -> None:
    delivery = _sent_delivery(demo)
    action = delivery.buttons[0]["action"]
    for who in (
        "petra",  # Woonkracht's contact, not the recipient and no adviser
        "quinten",  # another partner's contact
        "hasan",  # an ambassador of Woonkracht
        "bram",  # an adviser, of another partner: he cannot know what Woonkracht did
    ):
        reply = _press(demo, who, action)
        assert reply.refused and not reply.stale, who
        assert "naar iemand anders gestuurd" in render_plain(reply)
    assert _feedback(demo) == []


def test_an_adviser_of_the_same_partner_may_answer_and_is_recorded(demo: Engine) -> None:
    delivery = _sent_delivery(demo)
    _move(demo, "bram", "woonkracht")  # now a second adviser of Woonkracht
    known = ids(demo)
    assert not _press(demo, "bram", delivery.buttons[0]["action"]).refused
    row = (delivery.id, known["p:woonkracht"], known["bram"], snippet_of(delivery), "used")
    assert _feedback(demo) == [row]
    assert not _press(demo, "anna", delivery.buttons[2]["action"]).refused  # anna corrects it
    assert _feedback(demo) == [(*row[:2], known["anna"], row[3], "not_relevant")]


def test_coverage_counts_sent_and_used_per_partner(demo: Engine) -> None:
    import_ics(demo, calendar(NEWSLETTER))
    import_ics(demo, calendar(NEWSLETTER), key="zorggroep")
    other = vevent("nb-mrt@w.test", date(2027, 3, 23), "Nieuwsbrief maart")
    import_ics(demo, calendar(NEWSLETTER, other))
    plan(demo)
    known = ids(demo)
    planned = deliveries(demo)
    anna = [d for d in planned if d.person_id == known["anna"]]
    chantal = [d for d in planned if d.person_id == known["chantal"]]
    assert len(anna) == 4 and len(chantal) == 2
    sent_at = datetime(2027, 2, 16, 8, 5, tzinfo=UTC)
    for delivery in [*anna[:3], chantal[0]]:
        _mark_sent(demo, delivery.id or 0, sent_at)
    _press(demo, "anna", anna[0].buttons[0]["action"])  # used
    _press(demo, "anna", anna[1].buttons[1]["action"])  # adapted
    _press(demo, "anna", anna[2].buttons[2]["action"])  # not relevant
    assert _press(demo, "anna", anna[3].buttons[0]["action"]).stale  # still pending

    with Session(demo) as session:
        alliance = get_alliance(session)
        assert coverage(session, alliance, NOW) == [
            Coverage(partner="Woonkracht Rivierenland", sent=3, used=2, not_relevant=1),
            Coverage(partner="Zorggroep De Linge", sent=1, used=0, not_relevant=0),
        ]
        assert coverage(session, alliance, sent_at + timedelta(seconds=1)) == []


# -- the clock job ---------------------------------------------------------------------------------


JOB_NOW = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday, 06:00 in Amsterdam
DEMO_AGENDAS = DEMO_FILE.parent / "agendas"


def _items_of(engine: Engine, key: str) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        partner = partner_of(session, key)
        rows = session.exec(
            select(AgendaItem)
            .where(AgendaItem.partner_id == partner.id)
            .order_by(col(AgendaItem.id))
        )
        return [tuple(r.model_dump().values()) for r in rows]


def _job_detail(engine: Engine, due_at: datetime) -> dict[str, Any]:
    with Session(engine) as session:
        run = session.exec(
            select(JobRun).where(JobRun.job == "agendas", JobRun.due_at == due_at)
        ).one()
        return dict(run.detail or {})


def test_the_agendas_job_imports_calendars_and_survives_a_broken_one(
    demo_engine: Engine, tmp_path: Path
) -> None:
    files = {}
    with session_scope(demo_engine) as session:
        for key in ("gemeente-tiel", "woonkracht", "zorggroep"):
            files[key] = tmp_path / f"{key}.ics"
            shutil.copyfile(DEMO_AGENDAS / f"{key}.ics", files[key])
            partner_of(session, key).agenda_source = str(files[key])
    with session_scope(demo_engine) as session:
        assert run_due_job(session, "agendas", JOB_NOW, JOB_NOW, job_edge())
    with session_scope(demo_engine) as session:
        assert not run_due_job(session, "agendas", JOB_NOW, JOB_NOW, job_edge())  # once per moment
    first = _job_detail(demo_engine, JOB_NOW)
    assert first["problems"] == {} and first["planned"] > 0
    tiel_before = _items_of(demo_engine, "gemeente-tiel")
    assert (
        tiel_before and _items_of(demo_engine, "woonkracht") and _items_of(demo_engine, "zorggroep")
    )
    known = ids(demo_engine)
    assert {d.person_id for d in deliveries(demo_engine)} == {
        known["anna"],
        known["bram"],
        known["chantal"],
    }
    tiel_pending = [
        d.id for d in deliveries(demo_engine, "pending") if d.person_id == known["bram"]
    ]

    files["gemeente-tiel"].write_bytes((FIXTURES / "broken_garbage.ics").read_bytes())
    open_day = vevent("open-dag@w.test", date(2026, 12, 12), "Open dag", categories="evenement")
    text = files["woonkracht"].read_text(encoding="utf-8").rstrip()
    assert text.endswith("END:VCALENDAR")
    files["woonkracht"].write_text(
        text.removesuffix("END:VCALENDAR") + open_day + "END:VCALENDAR\r\n", encoding="utf-8"
    )
    later = JOB_NOW + timedelta(days=1)
    with session_scope(demo_engine) as session:
        assert run_due_job(session, "agendas", later, later, job_edge())

    detail = _job_detail(demo_engine, later)
    assert set(detail["problems"]) == {"gemeente-tiel"}
    assert "not an iCalendar file" in detail["problems"]["gemeente-tiel"]
    assert _items_of(demo_engine, "gemeente-tiel") == tiel_before  # its last good import
    assert item_of(demo_engine, "open-dag@w.test") is not None  # the others still import
    statuses = {d.id: d.status for d in deliveries(demo_engine)}
    assert all(statuses[i] == "pending" for i in tiel_pending)  # its plans stay, too


# -- the demo ----------------------------------------------------------------------------------


def test_the_demo_has_snippets_planned_for_the_coming_weeks(tmp_path: Path) -> None:
    today = date(2026, 11, 22)
    engine = make_engine(build_demo_database(tmp_path, today=today))
    try:
        with Session(engine) as session:
            shown = planned_snippets(session, get_alliance(session))
    finally:
        engine.dispose()
    start = datetime.combine(today, time(0), tzinfo=AMS)
    soon = [p for p in shown if start <= p.send_at <= start + timedelta(weeks=8)]
    assert soon and len(soon) == len(shown)
    assert len({p.partner for p in soon}) >= 2
    assert all(p.send_at < p.agenda_start and p.text and p.channel == "slack" for p in soon)
