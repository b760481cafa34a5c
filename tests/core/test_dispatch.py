"""One command table for every platform: names, roles and honest answers."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

import bot.core
from bot.core.alliance.load import get_alliance
from bot.core.dispatch import (
    COMMANDS,
    HANDLERS,
    REGISTRY,
    command_from_text,
    context_for,
    find_command,
    handle,
    press,
)
from bot.core.kernel.actions import Verb
from bot.core.kernel.commands import Command, split_command_line
from bot.core.kernel.features import ChatCommand, Feature, Registry
from bot.core.kernel.people import person_by_key
from bot.core.kernel.replies import Reply, plain_text
from bot.db import session_scope


def _ask(engine: Engine, person_key: str, text: str, platform: str = "console") -> str:
    with session_scope(engine) as session:
        reply = handle(session, command_from_text(_person_id(session, person_key), text, platform))
    return _text(reply)


def _person_id(session: Session, key: str) -> int:
    person = person_by_key(session, get_alliance(session).id or 0, key)
    assert person is not None and person.id is not None
    return person.id


def _text(reply: Reply) -> str:
    parts: list[str] = []
    for block in reply.blocks:
        if hasattr(block, "spans"):
            parts.append(plain_text(block.spans))
        elif hasattr(block, "items"):
            parts.extend(plain_text(item) for item in block.items)
    return "\n".join(parts)


def test_every_command_has_distinct_english_and_dutch_names() -> None:
    names = [name for spec in COMMANDS for name in {spec.english, spec.dutch}]
    assert len(names) == len(set(names))
    for spec in COMMANDS:
        assert find_command(spec.english) is spec
        assert find_command(spec.dutch.upper()) is spec


@pytest.mark.parametrize(
    ("typed", "word", "args"),
    [
        ("/house@AllianceBot", "house", ""),
        ("  taal   en ", "taal", "en"),
        ("/signaal Er speelt iets\nin Tiel", "signaal", "Er speelt iets\nin Tiel"),
        ("\x00\x07", "", ""),
    ],
)
def test_split_command_line(typed: str, word: str, args: str) -> None:
    assert split_command_line(typed) == (word, args)


def test_every_command_in_help_has_a_handler(demo_engine: Engine) -> None:
    """Help lists what a person may do; each of those words reaches its feature's handler."""
    for person in ("anna", "gerda"):
        with session_scope(demo_engine) as session:
            context = context_for(session, Command(_person_id(session, person), None, "", "", "x"))
            assert context is not None
            listed = [s for s in COMMANDS if s.allowed_for(context.person.role_set)]
        assert listed, person
        for spec in listed:
            assert callable(HANDLERS[spec.key]), spec.key
            answer = _ask(demo_engine, person, spec.dutch)
            assert "kan in deze versie van de bot nog niet" not in answer, spec.key


def _verbs_made_in_the_core() -> dict[str, Verb]:
    """Every `Verb` any core module declares (module constants, or inside a dict or tuple)."""
    found: dict[str, Verb] = {}
    for module in pkgutil.walk_packages(bot.core.__path__, "bot.core."):
        for value in vars(importlib.import_module(module.name)).values():
            values = value.keys() if isinstance(value, dict) else value
            candidates = values if isinstance(values, (tuple, list, type({}.keys()))) else [value]
            for candidate in candidates:
                if isinstance(candidate, Verb):
                    found[f"{module.name}:{candidate.code}"] = candidate
    return found


def test_every_verb_the_core_makes_buttons_with_has_a_decoder() -> None:
    made = _verbs_made_in_the_core()
    assert len({v.code for v in made.values()}) >= 11  # house 2, signals 2, flags 1, check-ins 4, …
    for where, verb in made.items():
        registered = REGISTRY.verbs.get(verb.code)
        assert registered is not None, f"{where}: no feature registers what pressing it does"
        assert registered.verb == verb, where


def test_a_verb_or_name_claimed_twice_is_refused() -> None:
    spec = COMMANDS[0]
    twice = Feature("twice", commands=(ChatCommand(spec, HANDLERS[spec.key]),))
    with pytest.raises(ValueError, match="taken"):
        Registry((*REGISTRY.features, twice))
    button = next(iter(REGISTRY.verbs.values()))
    with pytest.raises(ValueError, match="taken"):
        Registry((*REGISTRY.features, Feature("again", buttons=(button,))))


def test_a_button_with_the_wrong_number_of_arguments_is_stale(demo_engine: Engine) -> None:
    with session_scope(demo_engine) as session:
        anna = _person_id(session, "anna")
        for forged in ("pa:1", "pa:1:2:3", "fk", "he:1:2", "zz:1"):
            assert press(session, anna, forged, "console").stale, forged


def test_a_command_outside_ones_roles_is_refused_with_the_reason(demo_engine: Engine) -> None:
    answer = _ask(demo_engine, "gerda", "voorstel")  # an ambassador cannot propose
    assert "Alleen adviseurs kunnen voorstel gebruiken" in answer


def test_help_uses_the_platforms_way_of_typing(demo_engine: Engine) -> None:
    assert "/alliance kernboodschap" in _ask(demo_engine, "anna", "hulp", platform="slack")
    assert "/kernboodschap" in _ask(demo_engine, "gerda", "hulp", platform="telegram")


def test_unknown_command_suggests_the_closest(demo_engine: Engine) -> None:
    assert "Bedoel je kernboodschap?" in _ask(demo_engine, "anna", "kernbodschap")


def test_language_switch_is_remembered(demo_engine: Engine) -> None:
    assert "English" in _ask(demo_engine, "anna", "taal en")
    assert "What I can do for you" in _ask(demo_engine, "anna", "help")
    assert "Nederlands" in _ask(demo_engine, "anna", "language nl")
    assert "Wat ik voor je kan doen" in _ask(demo_engine, "anna", "help")
    assert "nl" in _ask(demo_engine, "anna", "taal fr")
