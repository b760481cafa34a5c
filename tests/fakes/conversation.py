"""Talking to the bot as a person of the demo alliance, the way the console adapter does:
one helper for every test that types, answers or presses, so they all go through dispatch."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.dispatch import command_from_text, handle, plain_message, press
from bot.core.kernel.models import Person
from bot.core.kernel.replies import BulletList, Reply, plain_text
from bot.db import session_scope


def person_id(session: Session, key: str) -> int:
    """The row id of the person with this key (the test fails loudly when there is none)."""
    return session.exec(select(Person).where(Person.key == key)).one().id or 0


def say(engine: Engine, who: str, text: str, platform: str = "console") -> Reply:
    """`who` types a command line."""
    with session_scope(engine) as session:
        return handle(session, command_from_text(person_id(session, who), text, platform))


def message(engine: Engine, who: str, text: str) -> Reply:
    """`who` types a line that is not a command (an answer the bot asked for)."""
    with session_scope(engine) as session:
        return handle(session, plain_message(person_id(session, who), text, "console"))


def press_as(engine: Engine, who: str, action: str) -> Reply:
    """`who` presses the button with this action."""
    with session_scope(engine) as session:
        return press(session, person_id(session, who), action, "console")


def words(reply: Reply) -> str:
    """A reply's text, one line per paragraph or list item, without markup."""
    parts: list[str] = []
    for block in reply.blocks:
        if isinstance(block, BulletList):
            parts.extend(plain_text(item) for item in block.items)
        elif hasattr(block, "spans"):
            parts.append(plain_text(block.spans))
    return "\n".join(parts)
