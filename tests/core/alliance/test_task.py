"""The alliance's `task` comes from the file; a positioning adopted by consent survives an
unchanged file, and the file's own new value is the starting point again."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from bot.core.alliance.file import AllianceFileError, parse_alliance_document
from bot.core.alliance.load import get_alliance, load_alliance
from bot.db import session_scope

DEMO_FILE = Path(__file__).parents[3] / "bot" / "demo" / "alliance.toml"


@pytest.fixture
def raw() -> dict[str, Any]:
    return tomllib.loads(DEMO_FILE.read_text(encoding="utf-8"))


def _load(engine: Engine, raw: dict[str, Any], tmp_path: Path) -> None:
    with session_scope(engine) as session:
        load_alliance(session, parse_alliance_document(raw), tmp_path)


def _alliance(engine: Engine) -> tuple[str, str]:
    with Session(engine) as session:
        alliance = get_alliance(session)
        return alliance.positioning, alliance.task


def test_the_task_is_read_from_the_file(
    engine: Engine, raw: dict[str, Any], tmp_path: Path
) -> None:
    raw["alliance"]["task"] = "  zonnepanelen op elk geschikt dak "
    _load(engine, raw, tmp_path)
    assert _alliance(engine) == ("endorsed", "zonnepanelen op elk geschikt dak")


def test_a_task_that_is_not_text_is_refused(raw: dict[str, Any]) -> None:
    raw["alliance"]["task"] = 12
    with pytest.raises(AllianceFileError, match=r"alliance\.task"):
        parse_alliance_document(raw)


def test_a_positioning_adopted_by_consent_survives_an_unchanged_file(
    engine: Engine, raw: dict[str, Any], tmp_path: Path
) -> None:
    _load(engine, raw, tmp_path)
    with session_scope(engine) as session:
        get_alliance(session).positioning = "branded"  # as adopting a proposal does
    _load(engine, raw, tmp_path)
    assert _alliance(engine)[0] == "branded"
    edited = copy.deepcopy(raw)
    edited["alliance"]["positioning"] = "monolithic"  # the file says something new
    _load(engine, edited, tmp_path)
    assert _alliance(engine)[0] == "monolithic"
