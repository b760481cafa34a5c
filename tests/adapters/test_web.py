"""The web app: health and the house page, through the real ASGI app."""

from __future__ import annotations

import httpx
from sqlalchemy import Engine

from bot.adapters.web import create_web_app
from bot.core.alliance.load import get_alliance
from bot.core.house.content import HouseContent, PillarContent, adopt_version
from bot.db import make_engine, session_scope


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
