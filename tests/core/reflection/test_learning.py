"""The learning agenda in chat: add, list, close with a lesson; closed items are kept."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.core.reflection import LearningItem
from tests.fakes.conversation import say, words


def test_add_list_and_close_with_a_lesson(demo_engine: Engine) -> None:
    assert "Er staat nog niets op de leeragenda" in words(say(demo_engine, "anna", "leeragenda"))
    added = words(say(demo_engine, "anna", "leeragenda nieuw Hoe betrekken we huurders eerder?"))
    assert "nummer 1" in added
    assert "geen punt 7" in words(say(demo_engine, "anna", "leeragenda sluit 7 iets"))
    assert "Sluit het af met wat we geleerd" in words(
        say(demo_engine, "anna", "leeragenda sluit 1")
    )
    closed = words(say(demo_engine, "anna", "learning close 1 Vraag het voordat het plan er is."))
    assert "Vraag het voordat het plan er is." in closed
    listed = words(say(demo_engine, "anna", "leeragenda"))
    assert "Wat we geleerd hebben:" in listed and "Vraag het voordat het plan er is." in listed
    assert "al afgesloten" in words(say(demo_engine, "anna", "leeragenda sluit 1 nogmaals"))
    with Session(demo_engine) as session:
        (item,) = session.exec(select(LearningItem)).all()
    assert item.lesson == "Vraag het voordat het plan er is." and item.closed_at is not None


def test_an_ambassador_does_not_keep_it(demo_engine: Engine) -> None:
    say(demo_engine, "gerda", "leeragenda nieuw iets")
    with Session(demo_engine) as session:
        assert session.exec(select(LearningItem)).all() == []
