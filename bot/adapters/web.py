"""The one ASGI app: health, pages, and the routes the Slack and Telegram adapters mount.

Adapters add their routes through `extra_routes`, so there is one server, one port and one
place that decides the URL layout.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot import __version__
from bot.core.alliance import NoAllianceError, get_alliance
from bot.core.house import house_markup
from bot.core.kernel import Reply, Texts
from bot.core.toolkit import toolkit_page_for_token
from bot.db import database_answers, database_writable, session_scope
from bot.render.html import render_html

# The toolkit link is a secret: no cache keeps the page, no Referer carries the link to
# another site, and no search engine lists it.
TOOLKIT_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]


def create_web_app(
    engine: Engine, extra_routes: Sequence[BaseRoute] = (), lifespans: Sequence[Lifespan] = ()
) -> Starlette:
    """The app; adapters bring their routes and what must start and stop with the server."""

    async def healthz(_request: Request) -> Response:
        state = await run_in_threadpool(_database_state, engine)
        if state == "ok":
            return JSONResponse({"status": "ok", "database": "ok", "version": __version__})
        return JSONResponse(
            {"status": "unavailable", "database": state, "version": __version__},
            status_code=503,
        )

    async def home(_request: Request) -> Response:
        return HTMLResponse(await run_in_threadpool(_home_page, engine))

    async def toolkit(request: Request) -> Response:
        status, page = await run_in_threadpool(
            _toolkit_page, engine, request.path_params["token"], request.query_params.get("lang")
        )
        return HTMLResponse(page, status_code=status, headers=TOOLKIT_HEADERS)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/", home, methods=["GET"]),
        Route("/toolkit/{token}", toolkit, methods=["GET"]),
        *extra_routes,
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for each in lifespans:
                await stack.enter_async_context(each(app))
            yield

    return Starlette(routes=routes, lifespan=lifespan)


def _database_state(engine: Engine) -> str:
    """`ok`, `unreachable`, or `not_writable`: a bot that cannot record anything (a locked
    or read-only database) cannot do its work either, so it is not healthy."""
    if not database_answers(engine):
        return "unreachable"
    return "ok" if database_writable(engine) else "not_writable"


def _home_page(engine: Engine) -> str:
    """The current message house as a page, in the alliance's language."""
    try:
        with session_scope(engine) as session:
            alliance = get_alliance(session)
            texts = Texts(alliance.language)
            body = render_html(Reply.from_markup(house_markup(session, alliance, texts)))
            title = alliance.name
    except NoAllianceError:
        texts = Texts(None)
        title = "alliancebot"
        body = render_html(Reply.from_markup(texts.render("no_alliance")))
    return Texts(texts.language).render_page(title=title, body=body)


def _toolkit_page(engine: Engine, token: str, language: str | None) -> tuple[int, str]:
    with session_scope(engine) as session:
        return toolkit_page_for_token(session, token, language)
