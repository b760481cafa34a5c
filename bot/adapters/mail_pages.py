"""The pages behind e-mail action links (`/mail/{token}`): a GET shows, a POST acts.

Mail security scanners open every link in a message, so opening one only shows what would
happen; the page's form posts back to the same address, and that POST acts, once. A mail
program's RFC 8058 one-click unsubscribe is the same POST without the page. What a link
does is decided in the core (`bot.core.mail`); a button's press goes through the same
`dispatch.press` as a tap in a chat.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from markupsafe import Markup
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from bot.core.dispatch import press
from bot.core.kernel import Texts
from bot.core.mail import LinkPage, open_link, post_link
from bot.db import session_scope
from bot.render.html import render_html

MAX_FORM_BYTES = 2048  # a choice of channel, or `List-Unsubscribe=One-Click`


def page_headers(csp: str) -> dict[str, str]:
    """The link is a secret (no cache, no Referer, no index); the page may post its form
    to itself and nowhere else."""
    return {
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Robots-Tag": "noindex",
        "Content-Security-Policy": csp.replace("form-action 'none'", "form-action 'self'"),
    }


def render_link_page(page: LinkPage) -> str:
    texts = Texts(page.language)
    result = Markup(render_html(page.reply)) if page.reply is not None else Markup("")
    body = texts.render("mail_page", page=page, result=result)
    return texts.render_page(page.name or "alliancebot", body)


def mail_routes(engine: Engine, csp: str) -> list[BaseRoute]:
    headers = page_headers(csp)

    def respond(page: LinkPage) -> Response:
        return HTMLResponse(render_link_page(page), status_code=page.status, headers=headers)

    def opened(token: str) -> LinkPage:
        with session_scope(engine) as session:
            return open_link(session, token)

    def posted(token: str, choice: str) -> LinkPage:
        with session_scope(engine) as session:
            return post_link(session, token, press, choice)

    async def show(request: Request) -> Response:
        return respond(await run_in_threadpool(opened, request.path_params["token"]))

    async def act(request: Request) -> Response:
        body = await request.body()
        form = parse_qs(body[:MAX_FORM_BYTES].decode("utf-8", "replace"))
        choice = (form.get("channel") or [""])[0]
        return respond(await run_in_threadpool(posted, request.path_params["token"], choice))

    return [
        Route("/mail/{token}", show, methods=["GET"]),
        Route("/mail/{token}", act, methods=["POST"]),
    ]
