"""Times in the reader's zone, JSON with the alliance's offset, numbers in their language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import find_command, handle
from bot.core.kernel import (
    Texts,
    format_number,
    iso_local,
    local_text,
    moment_json,
)
from bot.core.kernel.commands import Command
from bot.core.kernel.models import Person
from bot.core.kernel.replies import plain_text
from bot.core.outbox.models import Delivery
from bot.db import session_scope

AMSTERDAM = "Europe/Amsterdam"
# an all-day moment on 20 December, as the calendar import stores it: its local midnight
ALL_DAY = datetime(2026, 12, 20, tzinfo=ZoneInfo(AMSTERDAM)).astimezone(UTC)


def test_json_carries_the_alliance_s_offset_never_utc_for_a_local_moment() -> None:
    assert ALL_DAY.isoformat() == "2026-12-19T23:00:00+00:00"  # what leaked out before
    assert iso_local(ALL_DAY, AMSTERDAM) == "2026-12-20T00:00:00+01:00"
    summer = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)
    assert iso_local(summer, AMSTERDAM) == "2026-06-01T19:00:00+02:00"
    assert iso_local(None, AMSTERDAM) is None
    assert iso_local(datetime(2026, 12, 3, 18, 0), AMSTERDAM) == "2026-12-03T19:00:00+01:00"


def test_an_all_day_moment_reads_as_its_date() -> None:
    assert moment_json(ALL_DAY, AMSTERDAM, all_day=True) == {"all_day": True, "date": "2026-12-20"}
    assert moment_json(ALL_DAY, "UTC", all_day=True)["date"] == "2026-12-19"  # zone decides
    evening = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)
    assert moment_json(evening, AMSTERDAM) == {"all_day": False, "date": "2026-12-03"}
    assert local_text(evening, AMSTERDAM) == "2026-12-03 19:00"
    assert local_text(ALL_DAY, AMSTERDAM, all_day=True) == "2026-12-20"


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [("nl", 3.2, "3,2"), ("en", 3.2, "3.2"), ("nl", 1234.5, "1.234,5"), ("nl", None, "-")],
)
def test_numbers_follow_the_language(language: str, value: float | None, expected: str) -> None:
    assert format_number(value, language) == expected


def test_signed_changes_and_the_template_filter_follow_the_language() -> None:
    assert format_number(0.3, "nl", signed=True) == "+0,3"
    assert format_number(-0.25, "en", signed=True) == "-0.2"  # half to even, as Babel rounds
    from bot.core.kernel.texts import _environment

    rendered = _environment("nl").from_string("{{ 3.25|decimal }} {{ 0.1|decimal(signed=true) }}")
    assert rendered.render() == "3,2 +0,1"


def test_a_stored_moment_is_dated_where_the_reader_is() -> None:
    late = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # already 6 December in Amsterdam
    template = "{{ when|longdate }}"
    from bot.core.kernel.texts import _environment

    local = _environment("nl").from_string(template).render(when=late, reader_zone=AMSTERDAM)
    assert local == "6 december 2026"
    assert Texts("en", AMSTERDAM).zone == AMSTERDAM
    assert _environment("en").from_string(template).render(when=date(2026, 12, 5)) == (
        "5 December 2026"
    )


def test_peiling_open_gives_anna_and_gerda_the_same_closing_day(
    demo_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opened late on 30 November (UTC), a round closes on 6 December in Amsterdam: Anna's
    reply said 5 December (the UTC date) while Gerda's invitation said 6 December."""
    import bot.core.pulse.rounds as rounds

    monkeypatch.setattr(rounds, "utcnow", lambda: datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    with session_scope(demo_engine) as session:
        get_alliance(session)
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        command = Command(anna.id or 0, find_command("peiling"), "peiling", "open", "console")
        reply = handle(session, command)
        told = " ".join(plain_text(b.spans) for b in reply.blocks if hasattr(b, "spans"))
    with Session(demo_engine) as session:
        gerda = session.exec(select(Person).where(Person.key == "gerda")).one()
        invite = session.exec(select(Delivery.body).where(Delivery.person_id == gerda.id)).first()
    assert "6 december 2026" in told, told
    assert invite is not None and "6 december 2026" in invite
    assert "5 december" not in told
