"""The spokespeople register in the conversation: read by advisers, kept by coordinators."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.alliance.load import get_alliance
from bot.core.kernel.models import Person
from bot.core.voice import spokespeople, who_speaks
from bot.db import session_scope
from tests.fakes.conversation import say, words


def _coordinator(engine: Engine) -> None:
    with session_scope(engine) as session:
        chantal = session.exec(select(Person).where(Person.key == "chantal")).one()
        chantal.roles = "adviser,coordinator"


def test_coordinators_keep_the_register_and_advisers_read_it(demo_engine: Engine) -> None:
    _coordinator(demo_engine)
    text = words(
        say(demo_engine, "chantal", "woordvoering nieuw 2 | Jan de Wit | wethouder | gemeente-tiel")
    )
    assert "pijler 2: Jan de Wit, wethouder (Gemeente Tiel)" in text
    say(demo_engine, "chantal", "spokespeople new wonen | Els Kok")
    read = words(say(demo_engine, "bram", "woordvoering"))
    assert "Jan de Wit" in read and "wonen: Els Kok (Alliantie Langer Thuis Rivierenland)" in read
    assert "Alleen de alliantieadviseurs" in words(
        say(demo_engine, "bram", "woordvoering nieuw 1 | Bram | baas")
    )
    assert "Alleen de alliantieadviseurs" in words(say(demo_engine, "bram", "woordvoering weg 1"))
    with Session(demo_engine) as session:
        assert [r.name for r in spokespeople(session, get_alliance(session))] == [
            "Jan de Wit",
            "Els Kok",
        ]


def test_bad_lines_are_explained_and_change_nothing(demo_engine: Engine) -> None:
    _coordinator(demo_engine)
    assert "Schrijf het zo" in words(say(demo_engine, "chantal", "woordvoering nieuw Jan"))
    assert "wonkracht" in words(
        say(demo_engine, "chantal", "woordvoering nieuw 1 | Jan | baas | wonkracht")
    )
    assert "geen regel 99" in words(say(demo_engine, "chantal", "woordvoering weg 99"))
    assert "nummer vanaf 1" in words(say(demo_engine, "chantal", "woordvoering nieuw 0 | Jan"))
    with Session(demo_engine) as session:
        assert spokespeople(session, get_alliance(session)) == []


def test_a_pillars_own_voice_comes_first_then_a_general_one(demo_engine: Engine) -> None:
    _coordinator(demo_engine)
    say(demo_engine, "chantal", "woordvoering nieuw thema | Thea | woordvoerder | woonkracht")
    say(demo_engine, "chantal", "woordvoering nieuw 1 | Piet | directeur | woonkracht")
    say(demo_engine, "chantal", "woordvoering nieuw 2 | Ander | x | zorggroep")
    with Session(demo_engine) as session:
        register = spokespeople(session, get_alliance(session))
        woonkracht = register[0].partner_id
        first = who_speaks(register, woonkracht, 1, "W")
        third = who_speaks(register, woonkracht, 3, "W")
        alliance = who_speaks(register, None, 1, "A")
    assert first is not None and first.name == "Piet"
    assert third is not None and third.name == "Thea"
    assert alliance is None
