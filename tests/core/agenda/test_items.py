"""The agenda store: re-imports follow moves, deletions and cancellations, all or nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.agenda.calendars import CalendarError, parse_calendar
from bot.core.agenda.items import AgendaImport, import_agenda, upcoming
from bot.core.agenda.models import AgendaItem
from bot.core.kernel.models import Alliance, Partner
from bot.db import make_engine, migrate, session_scope
from tests.core.agenda.test_calendars import CORPUS, FIXTURES, corpus_params, need_corpus

MARCH = datetime(2026, 3, 1, tzinfo=UTC)
SERIES = (
    "040000008200E00074C5B7101A82E00800000000B0E1A1C2D3E4F5060000000000000000100000006F5E4D3C2B1A09"
)
COUNCIL = (
    "040000008200E00074C5B7101A82E0080000000011223344556677880000000000000000100000001122334455"
)
OUTLOOK = (FIXTURES / "outlook_weekly.ics").read_bytes()


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def partner(session: Session, key: str = "woonkracht") -> Partner:
    return session.exec(select(Partner).where(Partner.key == key)).one()


def run(
    engine: Engine, data: bytes, now: datetime = MARCH, key: str = "woonkracht"
) -> AgendaImport:
    with session_scope(engine) as session:
        return import_agenda(
            session, partner(session, key), data, source="test.ics", now=now, horizon_days=365
        )


def without(data: bytes, uid_tail: str) -> bytes:
    """The calendar with every VEVENT whose (folded) UID ends in `uid_tail` left out."""

    def keep(match: re.Match[bytes]) -> bytes:
        unfolded = match.group(0).replace(b"\r\n ", b"")
        return b"" if re.search(rb"\nUID:[^\r]*" + uid_tail.encode(), unfolded) else match.group(0)

    return re.sub(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", keep, data, flags=re.S)


def snapshot(engine: Engine) -> list[tuple[Any, ...]]:
    """Every column of every agenda row, to compare before and after."""
    with Session(engine) as session:
        rows = session.exec(select(AgendaItem).order_by(col(AgendaItem.id)))
        return [tuple(row.model_dump().values()) for row in rows]


def rows(engine: Engine) -> dict[str, AgendaItem]:
    with Session(engine) as session:
        return {r.uid: r for r in session.exec(select(AgendaItem))}


def test_first_import_adds_every_occurrence(demo_engine: Engine) -> None:
    report = run(demo_engine, OUTLOOK)
    assert (report.added, report.moved, report.updated, report.removed) == (8, 0, 0, 0)
    assert report.cancelled_uids == (f"{SERIES}#2026-04-06T08:00:00Z",)  # arrived cancelled
    stored = rows(demo_engine)
    assert stored[COUNCIL].starts_at == utc(2026, 10, 26, 13, 30)
    assert stored[COUNCIL].kind == "council" and stored[COUNCIL].source == "test.ics"
    assert stored[f"{SERIES}#2026-03-09T09:00:00Z"].kind == "board"


def test_importing_the_same_calendar_again_changes_nothing(demo_engine: Engine) -> None:
    run(demo_engine, OUTLOOK)
    before = snapshot(demo_engine)
    report = run(demo_engine, OUTLOOK)
    assert report == AgendaImport() and not report.changed
    assert snapshot(demo_engine) == before


def test_a_moved_event_is_moved_not_duplicated(demo_engine: Engine) -> None:
    run(demo_engine, OUTLOOK)
    moved = OUTLOOK.replace(
        b'DTSTART;TZID="Romance Standard Time":20261026T143000',
        b'DTSTART;TZID="Romance Standard Time":20261102T100000',
    ).replace(  # and one occurrence of the series moved once more, to 25 March
        b'DTSTART;TZID="W. Europe Standard Time":20260324T133000',
        b'DTSTART;TZID="W. Europe Standard Time":20260325T090000',
    )
    report = run(demo_engine, moved)
    assert (report.added, report.moved, report.removed) == (0, 2, 0)
    assert set(report.moved_uids) == {COUNCIL, f"{SERIES}#2026-03-23T09:00:00Z"}
    stored = rows(demo_engine)
    assert len(stored) == 8
    assert stored[COUNCIL].starts_at == utc(2026, 11, 2, 9, 0)  # winter time by then
    assert stored[f"{SERIES}#2026-03-23T09:00:00Z"].starts_at == utc(2026, 3, 25, 8, 0)


def test_a_deleted_series_leaves_its_past_rows(demo_engine: Engine) -> None:
    run(demo_engine, OUTLOOK)
    report = run(demo_engine, without(OUTLOOK, SERIES[-14:]), now=utc(2026, 4, 10))
    assert report.removed == 3
    assert report.removed_uids == tuple(
        f"{SERIES}#{day}T08:00:00Z" for day in ("2026-04-13", "2026-04-20", "2026-04-27")
    )
    left = {uid for uid in rows(demo_engine) if uid.startswith(SERIES)}
    # the past (9, 23 and 30 March, and the cancelled 6 April) is history and stays
    assert left == {
        f"{SERIES}#{key}"
        for key in (
            "2026-03-09T09:00:00Z",
            "2026-03-23T09:00:00Z",
            "2026-03-30T08:00:00Z",
            "2026-04-06T08:00:00Z",
        )
    }
    assert COUNCIL in rows(demo_engine)


def test_a_cancellation_is_kept_and_reported(demo_engine: Engine) -> None:
    run(demo_engine, OUTLOOK)
    cancelled = OUTLOOK.replace(
        b"SUMMARY;LANGUAGE=nl:Raadsvergadering begroting",
        b"SUMMARY;LANGUAGE=nl:Raadsvergadering begroting\r\nSTATUS:CANCELLED",
    )
    report = run(demo_engine, cancelled)
    assert (report.cancelled, report.cancelled_uids, report.moved) == (1, (COUNCIL,), 0)
    assert rows(demo_engine)[COUNCIL].cancelled
    with Session(demo_engine) as session:
        ids = [partner(session).id or 0]
        assert COUNCIL not in {i.uid for i in upcoming(session, ids, MARCH, 365)}
    report = run(demo_engine, OUTLOOK)  # and undone again
    assert (report.updated, report.cancelled) == (1, 0)
    assert not rows(demo_engine)[COUNCIL].cancelled


@pytest.mark.parametrize(
    "broken",
    ["broken_garbage.ics", "broken_truncated.ics", "broken_binary.ics"],
)
def test_a_broken_reimport_changes_nothing(demo_engine: Engine, broken: str) -> None:
    run(demo_engine, OUTLOOK)
    before = snapshot(demo_engine)
    with Session(demo_engine) as session, pytest.raises(CalendarError):
        try:
            import_agenda(
                session,
                partner(session),
                (FIXTURES / broken).read_bytes(),
                source="x",
                now=utc(2026, 6, 1),
            )
        finally:
            assert not (session.new or session.dirty or session.deleted)
    assert snapshot(demo_engine) == before


def test_upcoming_orders_partners_together_and_skips_cancelled(demo_engine: Engine) -> None:
    run(demo_engine, OUTLOOK)
    run(demo_engine, (FIXTURES / "google_allday.ics").read_bytes(), key="zorggroep")
    with Session(demo_engine) as session:
        ids = [partner(session).id or 0, partner(session, "zorggroep").id or 0]
        found = upcoming(session, ids, utc(2026, 3, 20), 20)
        assert upcoming(session, [], MARCH, 20) == []
    assert [(i.title, i.starts_at) for i in found] == [
        ("Bestuursvergadering (verplaatst)", utc(2026, 3, 24, 12, 30)),
        ("Bestuursvergadering", utc(2026, 3, 30, 8, 0)),
        # 6 April is cancelled; "Kopij inleveren" started before 20 March 00:00 UTC
    ]


def test_the_partner_must_exist(demo_engine: Engine) -> None:
    with Session(demo_engine) as session, pytest.raises(ValueError, match="saved"):
        import_agenda(
            session, Partner(alliance_id=1, key="n", name="N"), OUTLOOK, source="x", now=MARCH
        )


# -- the corpus, into a database ----------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_engine() -> Iterator[Engine]:
    """One in-memory database for the whole walk; every test rolls its own work back."""
    engine = make_engine("sqlite://")
    migrate(engine)
    with session_scope(engine) as session:
        alliance = Alliance(name="Corpus")
        session.add(alliance)
        session.flush()
        session.add(Partner(alliance_id=alliance.id or 0, key="corpus", name="Corpus"))
    yield engine
    engine.dispose()


@pytest.mark.filterwarnings("ignore::icalendar.GloballyUniqueTZIDGuessed")
@pytest.mark.parametrize("path", corpus_params())
def test_corpus_file_imports_all_or_nothing(corpus_engine: Engine, path: Path | None) -> None:
    data = need_corpus(path).read_bytes()
    now, horizon = utc(2020, 1, 2), 3650  # the same window as the parse walk: 2020-2030
    with Session(corpus_engine) as session:
        owner = session.exec(select(Partner)).one()
        baseline = (FIXTURES / "google_allday.ics").read_bytes()
        import_agenda(session, owner, baseline, source="base", now=now, horizon_days=horizon)
        before = _state(session)
        try:
            expected = parse_calendar(
                data, window_start=now - timedelta(days=1), window_end=now + timedelta(days=3650)
            )
        except CalendarError:
            with pytest.raises(CalendarError):
                import_agenda(session, owner, data, source="c", now=now, horizon_days=horizon)
            assert _state(session) == before
        else:
            import_agenda(session, owner, data, source="c", now=now, horizon_days=horizon)
            # the baseline rows are all in the future and not in this file: replaced
            assert set(_state(session)) == {o.uid for o in expected}
        session.rollback()
    assert CORPUS  # the walk located the corpus relative to the repository


def _state(session: Session) -> dict[str, tuple[Any, ...]]:
    session.flush()
    query = select(AgendaItem).execution_options(populate_existing=True)
    return {
        r.uid: (r.title, r.kind, r.starts_at, r.ends_at, r.cancelled) for r in session.exec(query)
    }
