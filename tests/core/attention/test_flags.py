"""Flags as episodes: told once, acknowledged with a note, not raised again meanwhile."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.core.alliance.load import get_alliance
from bot.core.attention.flags import ACK, Detected, open_flags, sync_flags
from bot.core.attention.models import Flag
from bot.core.dispatch import command_from_text, handle, plain_message, press
from bot.core.followup.detection import refresh_follow_up_flags
from bot.core.kernel.models import Person
from bot.core.outbox.models import Delivery
from bot.db import make_engine, session_scope
from bot.demo.run import build_demo_database
from bot.render.plain import render_plain

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def _detected(key: str = "woonkracht", since: date = date(2026, 10, 5)) -> Detected:
    return Detected(
        family="follow_up",
        level="partner",
        key=key,
        kind="declining_follow_up",
        since=since,
        explanations={"nl": f"{key}: 2 van 7 op tijd", "en": f"{key}: 2 of 7 on time"},
    )


def _sync(engine: Engine, detected: list[Detected], now: datetime) -> list[str]:
    with session_scope(engine) as session:
        raised = sync_flags(session, get_alliance(session), ["follow_up"], detected, now)
        return [f.key for f in raised]


def _notices(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return sorted(
            d.dedupe_key for d in session.exec(select(Delivery).where(Delivery.kind == "flag"))
        )


def test_a_decline_is_told_once_and_ends_when_detection_stops(demo_engine: Engine) -> None:
    assert _sync(demo_engine, [_detected()], NOW) == ["woonkracht"]
    assert _sync(demo_engine, [_detected()], NOW + timedelta(days=1)) == []
    assert len(_notices(demo_engine)) == 1  # the demo alliance has an advisers' channel
    with Session(demo_engine) as session:
        notice = session.exec(select(Delivery).where(Delivery.kind == "flag")).one()
        assert notice.channel == "C0ADVISERS" and "2 van 7 op tijd" in notice.body
        assert notice.buttons and notice.buttons[0]["action"].startswith(ACK.code)
    _sync(demo_engine, [], NOW + timedelta(days=2))
    with Session(demo_engine) as session:
        assert open_flags(session, get_alliance(session)) == []
        assert session.exec(select(Flag)).one().ended_at is not None


def test_a_flickering_decline_is_the_same_episode_a_returning_one_is_news(
    demo_engine: Engine,
) -> None:
    _sync(demo_engine, [_detected()], NOW)
    _sync(demo_engine, [], NOW + timedelta(days=1))
    assert _sync(demo_engine, [_detected()], NOW + timedelta(days=10)) == []  # within grace
    with Session(demo_engine) as session:
        assert len(session.exec(select(Flag)).all()) == 1
    _sync(demo_engine, [], NOW + timedelta(days=11))
    assert _sync(demo_engine, [_detected()], NOW + timedelta(days=60)) == ["woonkracht"]
    assert len(_notices(demo_engine)) == 2


def test_other_families_are_left_alone(demo_engine: Engine) -> None:
    _sync(demo_engine, [_detected()], NOW)
    with session_scope(demo_engine) as session:
        sync_flags(session, get_alliance(session), ["energy", "trust"], [], NOW)
    with Session(demo_engine) as session:
        assert len(open_flags(session, get_alliance(session))) == 1


def _anna(session: Session) -> int:
    return session.exec(select(Person).where(Person.key == "anna")).one().id or 0


def test_the_button_marks_it_seen_and_the_next_message_is_the_note(demo_engine: Engine) -> None:
    _sync(demo_engine, [_detected()], NOW)
    with session_scope(demo_engine) as session:
        flag = session.exec(select(Flag)).one()
        anna = _anna(session)
        pressed = press(session, anna, ACK.action(flag.id or 0), "console")
    assert "notitie" in render_plain(pressed)
    with session_scope(demo_engine) as session:
        noted = handle(session, plain_message(anna, "Bel met directeur op maandag", "console"))
    assert "notitie staat bij het aandachtspunt" in render_plain(noted)
    with Session(demo_engine) as session:
        flag = session.exec(select(Flag)).one()
        assert flag.acknowledged_by_id == anna and flag.note == "Bel met directeur op maandag"


def test_flags_ack_by_number_and_the_list_shows_who_saw_it(demo_engine: Engine) -> None:
    _sync(demo_engine, [_detected("woonkracht"), _detected("zorggroep")], NOW)
    with session_scope(demo_engine) as session:
        anna = _anna(session)
        wrong = handle(session, command_from_text(anna, "signalen ack 7", "console"))
        done = handle(session, command_from_text(anna, "signalen ack 2 we bellen", "console"))
    assert "nummer" in render_plain(wrong)
    assert "Je notitie staat erbij" in render_plain(done)
    with Session(demo_engine) as session:
        flags = session.exec(select(Flag).order_by(col(Flag.id))).all()
        assert [f.note for f in flags] == [None, "we bellen"]


def test_a_button_of_an_ended_flag_is_stale_and_ambassadors_cannot_ack(
    demo_engine: Engine,
) -> None:
    _sync(demo_engine, [_detected()], NOW)
    with session_scope(demo_engine) as session:
        flag_id = session.exec(select(Flag)).one().id
        ambassador = session.exec(
            select(Person).where(col(Person.roles).contains("ambassador"))
        ).first()
        assert ambassador is not None
        refused = press(session, ambassador.id or 0, ACK.action(flag_id), "console")
    assert not refused.stale and "Alleen adviseurs" in render_plain(refused)
    _sync(demo_engine, [], NOW + timedelta(days=1))
    with session_scope(demo_engine) as session:
        stale = press(session, _anna(session), ACK.action(flag_id), "console")
    assert stale.stale


def test_the_demo_raises_woonkracht_once_and_the_flags_command_shows_it(tmp_path: Path) -> None:
    today = date(2026, 11, 22)
    engine = make_engine(build_demo_database(tmp_path, today=today))
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    with session_scope(engine) as session:
        raised = refresh_follow_up_flags(session, get_alliance(session), now)
        assert [(f.level, f.key) for f in raised] == [("partner", "woonkracht")]
    with session_scope(engine) as session:
        assert refresh_follow_up_flags(session, get_alliance(session), now) == []
        listing = handle(session, command_from_text(_anna(session), "flags", "console"))
    text = render_plain(listing)
    assert "Woonkracht" in text and "op tijd" in text
    assert len(_notices(engine)) == 1
    engine.dispose()
