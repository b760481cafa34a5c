"""The learning agenda: what the alliance wants to learn this period, kept by advisers.

Short on purpose (a few open items); an item is closed with what was learned, and closed
items stay, with their lesson, so the alliance can look back on what it learned.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from bot.core.kernel import Alliance, Person, iso_local, utcnow
from bot.core.reflection.models import LearningItem

MAX_TEXT = 500


class LearningError(ValueError):
    def __init__(self, code: str, **details: object) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def learning_items(
    session: Session, alliance: Alliance, *, closed: bool | None = None
) -> list[LearningItem]:
    """The items, oldest first: open ones, closed ones, or (None) all."""
    query = select(LearningItem).where(LearningItem.alliance_id == alliance.id)
    if closed is True:
        query = query.where(col(LearningItem.closed_at).is_not(None))
    elif closed is False:
        query = query.where(col(LearningItem.closed_at).is_(None))
    return list(session.exec(query.order_by(col(LearningItem.id))))


def add_item(session: Session, alliance: Alliance, person: Person, text: str) -> LearningItem:
    text = text.strip()
    if not text:
        raise LearningError("empty")
    if len(text) > MAX_TEXT:
        raise LearningError("too_long", limit=MAX_TEXT)
    item = LearningItem(alliance_id=alliance.id or 0, text=text, added_by_id=person.id)
    session.add(item)
    session.flush()
    return item


def close_item(
    session: Session, alliance: Alliance, person: Person, number: int, lesson: str
) -> LearningItem:
    """Close item `number` with what was learned (a lesson is required: it is the point)."""
    item = session.get(LearningItem, number)
    if item is None or item.alliance_id != alliance.id:
        raise LearningError("unknown", number=number)
    if item.closed_at is not None:
        raise LearningError("closed", number=number)
    lesson = lesson.strip()
    if not lesson:
        raise LearningError("no_lesson", number=number)
    if len(lesson) > MAX_TEXT:
        raise LearningError("too_long", limit=MAX_TEXT)
    item.lesson = lesson
    item.closed_at = utcnow()
    item.closed_by_id = person.id
    session.flush()
    return item


def item_json(session: Session, alliance: Alliance, item: LearningItem) -> dict[str, object]:
    by = session.get(Person, item.added_by_id) if item.added_by_id else None
    return {
        "id": item.id,
        "text": item.text,
        "added_by": by.key if by else None,
        "created_at": iso_local(item.created_at, alliance.timezone),
        "closed_at": iso_local(item.closed_at, alliance.timezone),
        "lesson": item.lesson,
    }
