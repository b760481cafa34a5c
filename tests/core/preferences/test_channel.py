"""`kanaal` / `channel`: where a person's unsolicited messages go, chosen by themselves."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.kernel.models import Identity, Person
from bot.core.outbox.reach import reachable_identity, unsubscribe
from bot.db import session_scope
from tests.fakes.conversation import say, words


def _platform(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.key == key)).one()
        identity = reachable_identity(session, person)
        return identity.platform if identity else None


def _give_telegram(engine: Engine, key: str) -> None:
    with session_scope(engine) as session:
        person = session.exec(select(Person).where(Person.key == key)).one()
        session.add(Identity(person_id=person.id or 0, platform="telegram", external_id="4242"))


def test_alone_it_says_where_messages_go_and_what_can_be_chosen(demo_engine: Engine) -> None:
    _give_telegram(demo_engine, "petra")
    text = words(say(demo_engine, "petra", "kanaal"))
    assert "via Telegram" in text
    assert "Telegram, e-mail" in text and "kanaal email" in text


def test_choosing_email_sends_there_from_now_on(demo_engine: Engine) -> None:
    _give_telegram(demo_engine, "petra")
    assert _platform(demo_engine, "petra") == "telegram"
    answer = words(say(demo_engine, "petra", "channel email"))
    assert "e-mail" in answer
    assert _platform(demo_engine, "petra") == "email"
    assert "zoals je koos" in words(say(demo_engine, "petra", "kanaal"))


def test_a_channel_without_an_account_is_refused_and_nothing_changes(
    demo_engine: Engine,
) -> None:
    answer = words(say(demo_engine, "anna", "kanaal email"))
    assert "geen e-mail-adres" in answer
    assert "fax" not in words(say(demo_engine, "anna", "kanaal fax"))
    with Session(demo_engine) as session:
        anna = session.exec(select(Person).where(Person.key == "anna")).one()
        assert anna.channel is None
    assert _platform(demo_engine, "anna") == "slack"


def test_choosing_email_again_ends_an_unsubscribe(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        petra = session.exec(select(Person).where(Person.key == "petra")).one()
        assert unsubscribe(session, petra)
    assert _platform(demo_engine, "petra") is None
    _give_telegram(demo_engine, "petra")
    assert _platform(demo_engine, "petra") == "telegram"
    say(demo_engine, "petra", "kanaal email")
    assert _platform(demo_engine, "petra") == "email"
