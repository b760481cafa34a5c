"""What every command shares: one way to reach the alliance, to fail, to print JSON.

Commands are thin (parse, call the core, print), so the part they all repeat — settings, a
database whose schema matches this code, one unit of work, the alliance — lives here once,
and a command that fails halfway leaves the database as it found it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.core.alliance import get_alliance
from bot.core.kernel import LANGUAGES, Alliance, Partner, Person, Texts, person_by_key
from bot.db import check_schema, make_engine, session_scope
from bot.settings import Settings, load_settings

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="Evaluate as if it were YYYY-MM-DD.")
]
PartnerArgument = Annotated[str, typer.Argument(metavar="PARTNER", help="The partner's key.")]


class _Operator:
    """The language chosen with `--lang` for this run of the command line."""

    language: str | None = None


def set_language(value: str | None) -> None:
    if value is not None and value.lower() not in LANGUAGES:
        fail(f"--lang takes {' or '.join(LANGUAGES)}, not {value!r}.")
    _Operator.language = value.lower() if value else None


def environment_language() -> str | None:
    """The operator's language from the environment (LC_ALL, LC_MESSAGES, LANG, as gettext
    reads them), when it is one we speak; `C` and `POSIX` say nothing about it."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            code = value.split(".")[0].split("_")[0].lower()
            return code if code in LANGUAGES else None
    return None


def operator_language(alliance: Alliance | None = None) -> str:
    """`--lang`, else the environment's language, else the alliance's (else Dutch): the
    command line speaks to whoever types, who is not always a reader of the alliance's."""
    chosen = _Operator.language or environment_language()
    if chosen:
        return chosen
    return Texts(alliance.language if alliance else None).language


def texts_for(alliance: Alliance | None = None) -> Texts:
    """The operator's texts, dating moments in the alliance's time zone."""
    return Texts(operator_language(alliance), alliance.timezone if alliance else None)


def say(alliance: Alliance | None, message: str, **values: Any) -> None:
    """Print one translated line (message ids are the English text, as in chat)."""
    typer.echo(texts_for(alliance).gettext(message, **values))


def fail(message: str, code: int = 1) -> NoReturn:
    """Say what to fix on stderr and stop, so stdout stays clean for pipes and `--json`."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def print_json(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def safe_url(url: str) -> str:
    """The database URL without its password, fit to print."""
    return make_url(url).render_as_string(hide_password=True)


def parse_day(value: str | None) -> date:
    """The day of `--as-of`, today when it is not given."""
    try:
        return date.fromisoformat(value) if value else date.today()
    except ValueError:
        fail(texts_for().gettext("--as-of %(value)r is not a date (YYYY-MM-DD)", value=value))


@contextmanager
def database(settings: Settings | None = None, *, checked: bool = True) -> Iterator[Engine]:
    """The database, let go when the command is done; unless `checked` is off, only when its
    schema matches this code (a stale schema fails with `run alliancebot migrate`)."""
    engine = make_engine((settings or load_settings()).database_url)
    try:
        if checked:
            check_schema(engine)
        yield engine
    finally:
        engine.dispose()


@contextmanager
def alliance_session(
    settings: Settings | None = None, *, write: bool = True
) -> Iterator[tuple[Session, Alliance]]:
    """The alliance in one unit of work, on a database opened for it and let go after."""
    with database(settings) as engine, unit_of_work(engine, write=write) as work:
        yield work


@contextmanager
def unit_of_work(engine: Engine, *, write: bool = True) -> Iterator[tuple[Session, Alliance]]:
    """The alliance in one unit of work: committed when the block ends, rolled back whole
    when it fails (`fail` included). Reports pass `write=False` and commit nothing."""
    if write:
        with session_scope(engine) as session:
            yield session, get_alliance(session)
    else:
        with Session(engine) as session:
            yield session, get_alliance(session)


def person_of(session: Session, alliance: Alliance, key: str) -> Person:
    person = person_by_key(session, alliance.id or 0, key)
    if person is None:
        fail(
            texts_for(alliance).gettext(
                "Nobody with key %(key)r in the alliance file; use a key from its [[people]].",
                key=key,
            )
        )
    return person


def partner_of(session: Session, alliance: Alliance, key: str) -> Partner:
    partner = session.exec(
        select(Partner).where(Partner.alliance_id == alliance.id, Partner.key == key)
    ).first()
    if partner is None:
        keys = ", ".join(sorted(p.key for p in session.exec(select(Partner))))
        fail(
            texts_for(alliance).gettext(
                "Unknown partner %(key)r. Partners: %(keys)s.", key=key, keys=keys
            )
        )
    return partner
