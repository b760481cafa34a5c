"""E-mail addresses and channels in the alliance file: checked, loaded as accounts, and a
person's own choice of channel kept across loads."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.file import AllianceFileError, parse_alliance_document
from bot.core.alliance.load import load_alliance
from bot.core.kernel.models import Identity, Person
from bot.core.outbox.reach import reachable_identity
from bot.db import session_scope

DEMO_FILE = Path(__file__).parents[3] / "bot" / "demo" / "alliance.toml"


@pytest.fixture
def raw() -> dict[str, Any]:
    return tomllib.loads(DEMO_FILE.read_text(encoding="utf-8"))


def _person(raw: dict[str, Any], key: str) -> dict[str, Any]:
    return next(p for p in raw["people"] if p["key"] == key)


def _load(engine: Engine, raw: dict[str, Any]) -> None:
    with session_scope(engine) as session:
        load_alliance(session, parse_alliance_document(copy.deepcopy(raw)), DEMO_FILE.parent)


def _addresses(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        rows = session.exec(
            select(Person.key, Identity.external_id)
            .join(Identity, Identity.person_id == Person.id)
            .where(Identity.platform == "email")
        )
        return dict(rows.all())


def _platform(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        person = session.exec(select(Person).where(Person.key == key)).one()
        identity = reachable_identity(session, person)
        return identity.platform if identity else None


def test_email_needs_an_address_and_addresses_are_not_shared(raw: dict[str, Any]) -> None:
    _person(raw, "anna")["channel"] = "email"
    _person(raw, "bram")["email"] = "PETRA@example.org"
    _person(raw, "chantal")["email"] = "not an address"
    _person(raw, "dirk")["channel"] = "fax"
    with pytest.raises(AllianceFileError) as caught:
        parse_alliance_document(raw)
    problems = "\n".join(caught.value.problems)
    assert "people[0].channel: 'email' needs an e-mail address (person 'anna')" in problems
    assert "people[15].email: 'petra@example.org' is already used by people[1]" in problems
    assert "people[2].email:" in problems and "name@example.org" in problems
    assert "people[3].channel: 'fax' is not one of" in problems


def test_the_first_channel_a_person_has_unless_they_chose_one(
    sqlite_engine: Engine, raw: dict[str, Any]
) -> None:
    _person(raw, "anna")["email"] = "anna@example.org"
    _person(raw, "gerda")["email"] = "gerda@example.org"
    _load(sqlite_engine, raw)
    assert _addresses(sqlite_engine) == {
        "anna": "anna@example.org",
        "gerda": "gerda@example.org",
        "petra": "petra@example.org",
    }
    assert _platform(sqlite_engine, "anna") == "slack"  # Slack before e-mail
    assert _platform(sqlite_engine, "gerda") == "telegram"  # an ambassador: Telegram first
    assert _platform(sqlite_engine, "petra") == "email"  # all she has

    _person(raw, "anna")["channel"] = "email"
    _load(sqlite_engine, raw)
    assert _platform(sqlite_engine, "anna") == "email"


def test_a_choice_made_in_the_chat_survives_a_file_without_one(
    sqlite_engine: Engine, raw: dict[str, Any]
) -> None:
    _person(raw, "anna")["email"] = "anna@example.org"
    _load(sqlite_engine, raw)
    with session_scope(sqlite_engine) as session:
        session.exec(select(Person).where(Person.key == "anna")).one().channel = "email"
    _load(sqlite_engine, raw)
    assert _platform(sqlite_engine, "anna") == "email"


def test_a_changed_address_replaces_the_account_and_a_removed_one_unlinks(
    sqlite_engine: Engine, raw: dict[str, Any]
) -> None:
    _load(sqlite_engine, raw)
    with session_scope(sqlite_engine) as session:
        bounced = session.exec(select(Identity).where(Identity.platform == "email")).one()
        bounced.unreachable_since = bounced.linked_at  # the old address bounced
    _person(raw, "petra")["email"] = "Petra.Willems@Example.org"
    _load(sqlite_engine, raw)
    assert _addresses(sqlite_engine) == {"petra": "petra.willems@example.org"}
    assert _platform(sqlite_engine, "petra") == "email"  # the new address may be tried

    del _person(raw, "petra")["email"]
    _load(sqlite_engine, raw)
    assert _addresses(sqlite_engine) == {}
    assert _platform(sqlite_engine, "petra") is None


def test_loading_twice_changes_no_address(sqlite_engine: Engine, raw: dict[str, Any]) -> None:
    _load(sqlite_engine, raw)
    with session_scope(sqlite_engine) as session:
        again = load_alliance(session, parse_alliance_document(raw), DEMO_FILE.parent)
    assert not again.changed
