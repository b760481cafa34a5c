"""Who the coordinators are: named in the alliance file, or every adviser where none is."""

from __future__ import annotations

import tomllib

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.file import AllianceFileError, parse_alliance_document
from bot.core.alliance.load import get_alliance, load_alliance
from bot.core.dispatch import command_from_text, handle
from bot.core.kernel.models import Person
from bot.core.kernel.roles import coordinators, is_coordinator, roles_of
from bot.db import session_scope
from bot.render.plain import render_plain
from tests.conftest import DEMO_FILE

COORDINATOR = """
[[people]]
key = "yara"
name = "Yara de Coördinator"
roles = ["coordinator"]
slack = "U0YARA001"
"""


def _load(engine: Engine, extra: str = "") -> None:
    raw = tomllib.loads(DEMO_FILE.read_text(encoding="utf-8") + extra)
    with session_scope(engine) as session:
        load_alliance(session, parse_alliance_document(raw), DEMO_FILE.parent)


def _person(session: Session, key: str) -> Person:
    return session.exec(select(Person).where(Person.key == key)).one()


def test_a_file_without_coordinators_makes_every_adviser_one(engine: Engine) -> None:
    _load(engine)
    with Session(engine) as session:
        alliance_id = get_alliance(session).id or 0
        keys = [p.key for p in coordinators(session, alliance_id)]
        assert keys == ["anna", "bram", "chantal", "dirk", "emma", "frank"]
        assert is_coordinator(session, _person(session, "anna"))
        assert not is_coordinator(session, _person(session, "gerda"))  # an ambassador
        assert "coordinator" in roles_of(session, _person(session, "anna"))


def test_named_coordinators_are_the_only_ones_and_may_do_what_advisers_do(
    engine: Engine,
) -> None:
    _load(engine, COORDINATOR)
    with Session(engine) as session:
        alliance_id = get_alliance(session).id or 0
        yara, anna = _person(session, "yara"), _person(session, "anna")
        assert [p.key for p in coordinators(session, alliance_id)] == ["yara"]
        assert is_coordinator(session, yara) and not is_coordinator(session, anna)
        assert yara.roles == "coordinator"  # stored as written in the file
        assert "adviser" in yara.role_set  # a coordinator is the alliance's own adviser
        assert "coordinator" not in roles_of(session, anna)
    with session_scope(engine) as session:
        yara_id = _person(session, "yara").id or 0
        flags = render_plain(
            handle(session, command_from_text(yara_id, "aandachtspunten", "slack"))
        )
        helped = render_plain(handle(session, command_from_text(yara_id, "hulp", "slack")))
    assert "Aandachtspunten" in flags  # an adviser-only command, not refused
    assert "aandachtspunten" in helped and "voorstel" in helped


def test_an_archived_coordinator_hands_the_role_back_to_the_advisers(engine: Engine) -> None:
    _load(engine, COORDINATOR)
    _load(engine)  # yara left the file
    with Session(engine) as session:
        alliance_id = get_alliance(session).id or 0
        assert "yara" not in [p.key for p in coordinators(session, alliance_id)]
        assert is_coordinator(session, _person(session, "anna"))
        assert not is_coordinator(session, _person(session, "yara"))


def test_the_file_accepts_every_role_the_contract_names() -> None:
    raw = tomllib.loads(
        DEMO_FILE.read_text(encoding="utf-8")
        + COORDINATOR.replace('["coordinator"]', '["coordinator", "adviser", "partner"]')
    )
    assert parse_alliance_document(raw).people[-1].roles == ["coordinator", "adviser", "partner"]
    wrong = tomllib.loads(
        DEMO_FILE.read_text(encoding="utf-8") + COORDINATOR.replace("coordinator", "coördinator")
    )
    with pytest.raises(AllianceFileError, match=r"roles\[0\]: 'coördinator' is not one of"):
        parse_alliance_document(wrong)
