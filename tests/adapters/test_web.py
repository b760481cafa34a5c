"""The web app: health and the house page, through the real ASGI app."""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, text
from sqlmodel import Session, select

from bot.adapters.web import create_web_app, inline_hashes
from bot.core.alliance.load import get_alliance
from bot.core.house.content import HouseContent, PillarContent, adopt_version
from bot.core.kernel.models import Partner
from bot.core.toolkit.page import issue_token
from bot.db import database_answers, make_engine, session_scope


async def _get(engine: Engine, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_web_app(engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


async def test_healthz_is_ok_when_the_database_answers(demo_engine: Engine) -> None:
    response = await _get(demo_engine, "/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_healthz_is_503_when_the_database_does_not_answer() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1")
    response = await _get(engine, "/healthz")
    assert response.status_code == 503
    assert response.json()["status"] != "ok"


HOLD_LOCK = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
"""


async def test_healthz_is_503_while_another_process_locks_the_sqlite_file(
    sqlite_engine: Engine,
) -> None:
    """Reads still work under a lock held by another writer, but nothing can be recorded:
    the check writes (and rolls back), so it says so, within its short lock wait."""
    assert (await _get(sqlite_engine, "/healthz")).status_code == 200
    path = str(sqlite_engine.url.database)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        assert holder.stdout.readline().strip() == b"locked"
        started = time.monotonic()
        response = await _get(sqlite_engine, "/healthz")
        assert time.monotonic() - started < 3
        assert response.status_code == 503
        assert response.json()["database"] == "not_writable"
    finally:
        holder.stdin.write(b"release\n")
        holder.stdin.close()
        holder.wait(timeout=10)
    assert (await _get(sqlite_engine, "/healthz")).status_code == 200


async def test_healthz_is_503_while_the_schema_is_locked_on_postgresql(
    postgres_engine: Engine,
) -> None:
    with postgres_engine.connect() as other:
        other.execute(text("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE"))
        started = time.monotonic()
        response = await _get(postgres_engine, "/healthz")
        assert time.monotonic() - started < 5
        assert response.status_code == 503
        other.rollback()
    assert (await _get(postgres_engine, "/healthz")).status_code == 200


async def test_healthz_is_503_on_a_read_only_database(engine: Engine) -> None:
    """Every new connection read-only (SQLite's query_only, PostgreSQL's default for
    transactions, as on a standby): it answers, but the bot could not record anything."""
    statement = (
        "PRAGMA query_only = ON"
        if engine.dialect.name == "sqlite"
        else "SET default_transaction_read_only = on"
    )

    def read_only(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(statement)
        cursor.close()
        dbapi_connection.commit()  # a SET in PostgreSQL lasts only if its transaction does

    event.listen(engine, "connect", read_only)
    engine.dispose()
    try:
        assert database_answers(engine)
        response = await _get(engine, "/healthz")
        assert response.status_code == 503
        assert response.json() == {**response.json(), "status": "unavailable"}
        assert response.json()["database"] == "not_writable"
    finally:
        event.remove(engine, "connect", read_only)
        engine.dispose()
    assert (await _get(engine, "/healthz")).status_code == 200
    with Session(engine) as session:  # the check changed nothing
        version = session.exec(text("SELECT version_num FROM alembic_version")).one()  # type: ignore[call-overload]
    assert version[0]


async def test_home_page_shows_the_house(demo_engine: Engine) -> None:
    response = await _get(demo_engine, "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "Een huis dat past" in response.text
    assert '<html lang="nl">' in response.text


async def test_home_page_escapes_what_people_wrote(demo_engine: Engine) -> None:
    hostile = HouseContent("<script>alert(1)</script> & co", (PillarContent("<b>t</b>", "m"),))
    with session_scope(demo_engine) as session:
        adopt_version(session, get_alliance(session).id or 0, hostile, source="alliance_file")
    response = await _get(demo_engine, "/")
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in response.text
    assert "&lt;b&gt;t&lt;/b&gt;" in response.text


async def test_home_page_without_an_alliance_explains_what_to_do(sqlite_engine: Engine) -> None:
    response = await _get(sqlite_engine, "/")
    assert response.status_code == 200
    assert "alliancebot init" in response.text


# -- browser protections ----------------------------------------------------------------------

TOOLKIT_PRIVACY = {
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex",
}
INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def _token(engine: Engine) -> str:
    with session_scope(engine) as session:
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        return issue_token(session, partner)


def _policy(response: httpx.Response) -> dict[str, list[str]]:
    directives = response.headers["content-security-policy"].split(";")
    return {d.split()[0]: d.split()[1:] for d in (d.strip() for d in directives) if d}


def _assert_protected(response: httpx.Response) -> None:
    """A strict policy that allows exactly the page's own inline script and styles."""
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    policy = _policy(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'none'"]
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in response.headers["content-security-policy"]
    blocks = INLINE.findall(response.text)
    assert blocks, "each page has its own inline style"
    for tag, body in blocks:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy[f"{tag}-src"], tag


async def test_every_page_carries_the_browser_protections(demo_engine: Engine) -> None:
    token = _token(demo_engine)
    for path in ("/", f"/toolkit/{token}", f"/toolkit/{token}?lang=en", "/toolkit/wrong"):
        response = await _get(demo_engine, path)
        assert response.headers["content-type"].startswith("text/html"), path
        _assert_protected(response)
    toolkit = await _get(demo_engine, f"/toolkit/{token}")
    assert "<script>" in toolkit.text and 'class="copy"' in toolkit.text
    assert _policy(toolkit)["script-src"]  # its copy buttons' script is allowed, by hash
    for path in (f"/toolkit/{token}", "/toolkit/wrong"):  # the toolkit link stays private
        response = await _get(demo_engine, path)
        for name, value in TOOLKIT_PRIVACY.items():
            assert response.headers[name] == value, (path, name)


async def test_other_responses_are_not_sniffed(demo_engine: Engine) -> None:
    response = await _get(demo_engine, "/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in response.headers  # JSON: no page to protect
    missing = await _get(demo_engine, "/no-such-page")
    assert missing.status_code == 404 and missing.headers["x-content-type-options"] == "nosniff"


def test_an_inline_block_with_template_code_is_refused(tmp_path: Path) -> None:
    """Hashes fit only literal blocks; a template expression inside one would make the
    browser block it silently, so the policy refuses to be built instead."""
    assert inline_hashes()["script"] and len(inline_hashes()["style"]) == 2
    (tmp_path / "page.j2").write_text("<script>var x = {{ value }};</script>", encoding="utf-8")
    with pytest.raises(ValueError, match="literal"):
        inline_hashes(("page.j2",), tmp_path)
