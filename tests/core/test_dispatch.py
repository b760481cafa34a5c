"""One command table for every platform: names, roles and honest answers."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.core.alliance.load import get_alliance
from bot.core.dispatch import HANDLERS, command_from_text, handle
from bot.core.kernel.commands import COMMANDS, find_command, split_command_line
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


def test_commands_not_built_yet_say_so_honestly(demo_engine: Engine) -> None:
    for spec in COMMANDS:
        if spec.key in HANDLERS:
            continue
        person = "anna" if "adviser" in spec.roles else "gerda"
        answer = _ask(demo_engine, person, spec.dutch)
        assert "kan in deze versie van de bot nog niet" in answer, spec.key


def test_a_command_outside_ones_roles_is_refused_with_the_reason(demo_engine: Engine) -> None:
    answer = _ask(demo_engine, "gerda", "voorstel")  # an ambassador cannot propose
    assert "voorstel is voor adviseurs" in answer


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
