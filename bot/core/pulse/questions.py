"""The pulse's questions: energy and trust always, one lens from the bank in turn, one open.

Two fixed questions make a trend; more would make the pulse a survey, and ambassadors stop
answering surveys. So each round adds a single statement from the bank (grounded in the
five lenses of DOMAIN.md), rotating so that every lens comes by over a season, and an
optional open question whose answer reaches the advisers as a regional signal.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from bot.core.kernel import Texts
from bot.paths import MESSAGES_DIR

FIXED = ("energy", "trust")
LENSES = ("ambition", "interests", "relationship", "organisation", "process")
OPEN = "open"
SCALE = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class BankQuestion:
    key: str
    lens: str
    text: dict[str, str]  # language -> statement


@cache
def _file() -> dict[str, list[dict[str, str]]]:
    with (MESSAGES_DIR / "pulse" / "questions.toml").open("rb") as file:
        return tomllib.load(file)


def _questions(table: str) -> tuple[BankQuestion, ...]:
    return tuple(
        BankQuestion(q["key"], q["lens"], {"nl": q["nl"], "en": q["en"]}) for q in _file()[table]
    )


@cache
def bank() -> tuple[BankQuestion, ...]:
    """The rotation: one statement per lens, one per round."""
    return _questions("questions")


@cache
def lens_check_questions() -> tuple[BankQuestion, ...]:
    """A lens check's statements: two per lens, in the order of the lenses."""
    every = bank() + _questions("lens_check")
    return tuple(q for lens in LENSES for q in every if q.lens == lens)


@cache
def lens_of(key: str) -> str | None:
    """The lens a statement looks through (None for energy, trust and the open question)."""
    return next((q.lens for q in lens_check_questions() if q.key == key), None)


def bank_question_for(round_number: int) -> BankQuestion:
    """The bank question of the n-th round of an alliance: each lens in turn."""
    questions = bank()
    return questions[round_number % len(questions)]


@cache
def _conversation() -> dict[str, dict[str, list[str]]]:
    with (MESSAGES_DIR / "pulse" / "conversation.toml").open("rb") as file:
        return tomllib.load(file)


def conversation_questions(lens: str, language: str) -> tuple[str, ...]:
    """The questions that open the conversation about `lens` (messages/pulse/conversation.toml)."""
    return tuple(_conversation().get(lens, {}).get(language, ()))


def question_text(key: str, texts: Texts) -> str:
    """The question as the person reads it (a statement for bank questions)."""
    if key == "energy":
        return texts.gettext("How much energy do you feel in the alliance right now?")
    if key == "trust":
        return texts.gettext("How much do you trust the other partners right now?")
    if key == OPEN:
        return texts.gettext("What is happening in your region that the alliance should know?")
    for question in lens_check_questions():
        if question.key == key:
            return question.text[texts.language]
    return key
