"""Reading flags shows what the last detection stored, with its time, and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.attention import FlagFamily, checked_at, stored_flag_rows
from bot.core.attention.flags import Detected, sync_flags
from bot.core.attention.models import Flag, FlagCheck
from bot.core.dispatch import command_from_text, handle
from bot.core.kernel.models import Person
from bot.core.outbox.models import Delivery
from bot.db import session_scope
from bot.render.plain import render_plain

CHECKED = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Amsterdam


def _detected(key: str = "woonkracht") -> Detected:
    return Detected(
        family=FlagFamily.FOLLOW_UP,
        level="partner",
        key=key,
        kind="declining_follow_up",
        since=date(2026, 10, 5),
        explanations={"nl": f"{key}: 2 van 7 op tijd", "en": f"{key}: 2 of 7 on time"},
        numbers={"before_due": 11},
    )


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (
            session.exec(select(func.count()).select_from(Delivery)).one(),
            session.exec(select(func.count()).select_from(Flag)).one(),
            session.exec(select(func.count()).select_from(FlagCheck)).one(),
        )


def _read(engine: Engine, key: str, words: str) -> str:
    with session_scope(engine) as session:
        person = session.exec(select(Person).where(Person.key == key)).one()
        return render_plain(handle(session, command_from_text(person.id or 0, words, "console")))


def test_before_detection_ever_ran_the_read_says_so_and_detects_nothing(
    demo_engine: Engine,
) -> None:
    before = _counts(demo_engine)
    text = _read(demo_engine, "anna", "signalen")
    assert "Opvolging is nog niet gecontroleerd" in text
    assert "Peiling: nog niet gecontroleerd" in text
    assert _counts(demo_engine) == before
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        assert checked_at(session, alliance, [FlagFamily.FOLLOW_UP]) is None
        assert stored_flag_rows(session, alliance, [FlagFamily.FOLLOW_UP], "en") == (None, [])


def test_the_read_shows_the_stored_flags_as_of_the_check_in_the_readers_zone(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        sync_flags(session, get_alliance(session), [FlagFamily.FOLLOW_UP], [_detected()], CHECKED)
    before = _counts(demo_engine)
    dutch = _read(demo_engine, "anna", "signalen")
    with session_scope(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        anna.language, anna.timezone = "en", "America/New_York"
    english = _read(demo_engine, "anna", "flags")
    assert "Opvolging: stand van 23 nov 09:00" in dutch and "woonkracht: 2 van 7" in dutch
    assert "Follow-up as of 23 Nov 03:00" in english and "woonkracht: 2 of 7" in english
    assert "Pulse: not checked yet" in english
    assert _counts(demo_engine) == before  # no notice planned, no flag or check written
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        moment, rows = stored_flag_rows(session, alliance, [FlagFamily.FOLLOW_UP], "en")
    assert moment == CHECKED
    assert rows == [
        {
            "level": "partner",
            "key": "woonkracht",
            "kind": "declining_follow_up",
            "since": "2026-10-05",
            "explanation": "woonkracht: 2 of 7 on time",
            "numbers": {"before_due": 11},
            "as_of": "2026-11-23T09:00:00+01:00",
        }
    ]


def test_each_detection_moves_the_time_and_pulse_has_its_own(demo_engine: Engine) -> None:
    later = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        sync_flags(session, alliance, [FlagFamily.FOLLOW_UP], [], CHECKED)
        sync_flags(session, alliance, [FlagFamily.FOLLOW_UP], [], later)
        sync_flags(session, alliance, [FlagFamily.ENERGY, FlagFamily.TRUST], [], CHECKED)
    with Session(demo_engine) as session:
        alliance = get_alliance(session)
        assert checked_at(session, alliance, [FlagFamily.FOLLOW_UP]) == later
        assert checked_at(session, alliance, [FlagFamily.ENERGY, FlagFamily.TRUST]) == CHECKED
        assert len(session.exec(select(FlagCheck)).all()) == 3  # one row per family
    text = _read(demo_engine, "anna", "signalen")
    assert "stand van 24 nov 09:00" in text and "Peiling: stand van 23 nov 09:00" in text
