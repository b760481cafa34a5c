"""The one ASGI app: health, pages, and the routes the Slack and Telegram adapters mount.

Adapters add their routes through `extra_routes`, so there is one server, one port and one
place that decides the URL layout.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import __version__
from bot.adapters.mail_pages import mail_routes
from bot.core.alliance import NoAllianceError, get_alliance
from bot.core.house import house_markup
from bot.core.kernel import Reply, Texts
from bot.core.toolkit import toolkit_page_for_token
from bot.db import database_answers, database_writable, session_scope
from bot.paths import MESSAGES_DIR
from bot.render.html import render_html

# The toolkit link is a secret: no cache keeps the page, no Referer carries the link to
# another site, and no search engine lists it.
TOOLKIT_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]

# The pages whose own inline <script> and <style> the policy allows, by their hashes.
PAGE_TEMPLATES = ("page.html.j2", "toolkit_page.html.j2")
_INLINE = re.compile(r"<(script|style)>(.*?)</\1>", re.S)


def inline_hashes(
    templates: Sequence[str] = PAGE_TEMPLATES, directory: Path = MESSAGES_DIR / "templates"
) -> dict[str, list[str]]:
    """CSP source expressions (`'sha256-…'`) of the inline scripts and styles in our page
    templates, by tag.

    Hashes, not `'unsafe-inline'`: the browser then runs exactly the script and style we
    wrote and nothing an injection might add. They are taken from the templates, where
    those blocks are literal text (a block with a template expression would render
    differently per page, so it is refused here rather than silently blocked in a browser).
    """
    found: dict[str, list[str]] = {"script": [], "style": []}
    for name in templates:
        source = (directory / name).read_text(encoding="utf-8")
        for tag, body in _INLINE.findall(source.replace("\r\n", "\n")):
            if "{{" in body or "{%" in body:
                raise ValueError(f"{name}: an inline <{tag}> must be literal text")
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            if f"'sha256-{digest}'" not in found[tag]:
                found[tag].append(f"'sha256-{digest}'")
    return found


def content_security_policy() -> str:
    """Nothing but our own inline script and styles, images from here (charts may be inline
    data), no plugins, no forms, no <base>, and no framing."""
    hashes = inline_hashes()
    return "; ".join(
        (
            "default-src 'none'",
            "script-src " + (" ".join(hashes["script"]) or "'none'"),
            "style-src " + (" ".join(hashes["style"]) or "'none'"),
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeaders:
    """Adds the browser protections to every HTML response, whichever route made it (the
    adapters mount routes of their own): a strict Content-Security-Policy, no framing
    (clickjacking), and no content-type guessing (that one on every response)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.html_headers = {
            "Content-Security-Policy": content_security_policy(),
            "X-Frame-Options": "DENY",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    for name, value in self.html_headers.items():
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


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
        *mail_routes(engine, content_security_policy()),
        *extra_routes,
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for each in lifespans:
                await stack.enter_async_context(each(app))
            yield

    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(SecurityHeaders)])


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
