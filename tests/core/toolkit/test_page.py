"""The partner's toolkit page: secret links, the page through the real ASGI app, escaping."""

from __future__ import annotations

import hashlib

import httpx
import pytest
from markupsafe import escape
from sqlalchemy import Engine
from sqlmodel import select

from bot.adapters.web import create_web_app
from bot.core.alliance.load import get_alliance
from bot.core.house.models import PartnerNote
from bot.core.kernel.models import Partner
from bot.core.toolkit.models import ToolkitSnippet
from bot.core.toolkit.page import issue_token, partner_by_token, revoke_token
from bot.core.toolkit.personalise import personalise
from bot.core.toolkit.snippets import load_library
from bot.db import session_scope

HEADERS = {"cache-control": "no-store", "referrer-policy": "no-referrer", "x-robots-tag": "noindex"}


async def _get(engine: Engine, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_web_app(engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        return await client.get(path)


def _issue(engine: Engine, key: str = "woonkracht") -> str:
    with session_scope(engine) as session:
        partner = session.exec(select(Partner).where(Partner.key == key)).one()
        return issue_token(session, partner)


def _assert_private(response: httpx.Response) -> None:
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    assert '<meta name="robots" content="noindex' in response.text


# -- tokens ----------------------------------------------------------------------------------


def test_only_the_hash_of_a_token_is_stored_and_a_new_one_revokes_the_old(
    demo_engine: Engine,
) -> None:
    first = _issue(demo_engine)
    second = _issue(demo_engine)
    with session_scope(demo_engine) as session:
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        assert len(second) >= 32 and second != first
        assert partner.toolkit_token == hashlib.sha256(second.encode()).hexdigest()
        assert partner_by_token(session, second) == partner
        assert partner_by_token(session, first) is None
        assert partner_by_token(session, "") is None
        assert partner_by_token(session, "x" * 10_000) is None
        revoke_token(session, partner)
        assert partner.toolkit_token is None
        assert partner_by_token(session, second) is None


def test_an_archived_partner_has_no_page(demo_engine: Engine) -> None:
    token = _issue(demo_engine)
    with session_scope(demo_engine) as session:
        session.exec(select(Partner).where(Partner.key == "woonkracht")).one().active = False
    with session_scope(demo_engine) as session:
        assert partner_by_token(session, token) is None


# -- the page --------------------------------------------------------------------------------


async def test_the_page_shows_the_house_and_the_partners_own_snippets(demo_engine: Engine) -> None:
    token = _issue(demo_engine)
    response = await _get(demo_engine, f"/toolkit/{token}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    _assert_private(response)
    page = response.text
    assert '<html lang="nl">' in page  # the alliance's language
    assert "Woonkracht Rivierenland" in page
    assert "Samen zorgen we dat ouderen in Rivierenland langer prettig thuis wonen" in page
    assert "Zorg en welzijn werken vanuit één plek in de wijk" in page
    assert "650 vrijwilligers actief in het buurtnetwerk" in page  # a proof point
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        for snippet in load_library():
            text = personalise(
                snippet, session=session, alliance=alliance, partner=partner, language="nl"
            )
            assert f'id="text-{snippet.key}">{escape(text)}</pre>' in page
    assert page.count('class="copy"') == len(load_library())
    assert "navigator.clipboard.writeText" in page and "execCommand" in page
    assert "<link" not in page and "src=" not in page  # no external assets


async def test_the_language_can_be_chosen_with_lang(demo_engine: Engine) -> None:
    token = _issue(demo_engine)
    english = await _get(demo_engine, f"/toolkit/{token}?lang=en")
    assert '<html lang="en">' in english.text
    assert "Toolkit of Woonkracht Rivierenland" in english.text
    assert ">Copy</button>" in english.text
    assert "Woonkracht Rivierenland is partner in Alliantie Langer Thuis Rivierenland." in (
        english.text
    )
    odd = await _get(demo_engine, f"/toolkit/{token}?lang=klingon")
    assert odd.status_code == 200
    assert '<html lang="nl">' in odd.text


@pytest.mark.parametrize("case", ["unknown", "revoked", "replaced"])
async def test_unknown_and_revoked_links_get_the_same_friendly_404(
    demo_engine: Engine, case: str
) -> None:
    token = _issue(demo_engine)
    if case == "unknown":
        token = "no-such-token-at-all"
    elif case == "revoked":
        with session_scope(demo_engine) as session:
            partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
            revoke_token(session, partner)
    else:
        _issue(demo_engine)
    response = await _get(demo_engine, f"/toolkit/{token}")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    _assert_private(response)
    assert "Woonkracht" not in response.text
    assert "<h1>" in response.text and "Traceback" not in response.text


async def test_what_a_partner_wrote_is_escaped(demo_engine: Engine) -> None:
    hostile = "<script>alert('note')</script> & <b>bold</b>"
    with session_scope(demo_engine) as session:
        partner = session.exec(select(Partner).where(Partner.key == "woonkracht")).one()
        partner.name = "Woon<kracht> & Co"
        session.add(
            PartnerNote(partner_id=partner.id or 0, pillar_title="Zorg dichtbij", text=hostile)
        )
    token = _issue(demo_engine)
    page = (await _get(demo_engine, f"/toolkit/{token}")).text

    assert "<script>alert" not in page
    assert "<b>bold" not in page
    assert (
        "&lt;script&gt;alert(&#39;note&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    )
    assert "Woon&lt;kracht&gt; &amp; Co" in page
    assert page.count("<script>") == 1  # only the page's own copy script


async def test_a_broken_adviser_snippet_leaves_the_rest_of_the_page_working(
    demo_engine: Engine,
) -> None:
    with session_scope(demo_engine) as session:
        alliance = get_alliance(session)
        session.add(
            ToolkitSnippet(
                alliance_id=alliance.id or 0,
                key="evil",
                title="E",
                body="{{ ''.__class__.__mro__ }}",
            )
        )
        session.add(
            ToolkitSnippet(
                alliance_id=alliance.id or 0,
                key="eigen",
                title="Eigen tekst",
                body="{{ speaker }} nodigt {{ partner.constituency }} uit.",
                kind="social_post",
            )
        )
    token = _issue(demo_engine)
    response = await _get(demo_engine, f"/toolkit/{token}")

    assert response.status_code == 200
    assert 'id="text-evil"' not in response.text
    assert "Woonkracht Rivierenland nodigt huurders" in response.text
    assert "Eigen tekst" in response.text
