"""The App Home tab: the core's home page in Block Kit, and the pulse chart it shows.

Slack fetches an image block's picture itself, so the chart needs an address Slack can
reach (`PUBLIC_URL`, https). The address carries an HMAC of the round, so it cannot be
guessed or walked: the chart shows only anonymous aggregates, but it is still the
alliance's own business. The key is derived from a secret Slack and we share; never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.core.alliance import get_alliance
from bot.core.dispatch import home
from bot.core.kernel import Reply, Texts
from bot.core.overview import HomePage
from bot.core.pulse import trend_chart_of
from bot.db import session_scope
from bot.render.chart import draw_chart
from bot.render.slack_view import fit_view, reply_blocks
from bot.settings import Settings

log = logging.getLogger(__name__)

PLATFORM = "slack"


def chart_signature(key: bytes, round_id: int) -> str:
    return hmac.new(key, f"pulse-chart:{round_id}".encode(), hashlib.sha256).hexdigest()[:32]


class HomeTab:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        assert settings.slack_bot_token is not None
        self.engine = engine
        self.public_url = settings.public_url
        seed = settings.slack_signing_secret or settings.slack_bot_token
        self.chart_key = hashlib.sha256(b"chart:" + seed.get_secret_value().encode()).digest()

    def routes(self) -> list[Route]:
        async def chart(request: Request) -> Response:
            png = await run_in_threadpool(self._chart, str(request.path_params["name"]))
            if png is None:
                return Response("not found", status_code=404, media_type="text/plain")
            return Response(png, media_type="image/png", headers={"Cache-Control": "private"})

        return [Route("/slack/charts/{name}", chart, methods=["GET"])]

    async def publish(
        self, client: AsyncWebClient, user_id: str, person_id: int | None, quiet: bool = True
    ) -> None:
        """Show this person's home; `quiet`: after a button, a Home never opened is fine."""
        view = await run_in_threadpool(self.view, person_id)
        try:
            await client.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            if not quiet:
                raise
            log.info("home not refreshed: %s", error.response.get("error"))

    def view(self, person_id: int | None) -> dict[str, Any]:
        with session_scope(self.engine) as session:
            return self.view_in(session, person_id)

    def view_in(self, session: Session, person_id: int | None) -> dict[str, Any]:
        """This person's Home tab, read in the caller's session."""
        page = home(session, person_id, PLATFORM) if person_id else None
        if page is None:
            blocks = reply_blocks(Reply.from_markup(Texts(None).render("slack_unknown")))
            return {"type": "home", "blocks": blocks}
        return {"type": "home", "blocks": self._page_blocks(page)}

    def _page_blocks(self, page: HomePage) -> list[dict[str, Any]]:
        """Every part in Block Kit, the chart after its part; within a view's 100 blocks,
        and where a part had to be shortened, it says so."""
        parts = []
        for part in page.parts:
            blocks = reply_blocks(part.reply)
            url = self._chart_url(part.chart.round_id) if part.chart else None
            if part.chart is not None and url is not None:
                blocks.append({"type": "image", "image_url": url, "alt_text": part.chart.alt})
            parts.append(blocks)
        return fit_view(parts, lambda index, left: page.shortened(page.parts[index], left))

    def _chart_url(self, round_id: int) -> str | None:
        """Only where Slack can fetch it: an https address of this app."""
        if not self.public_url.startswith("https://"):
            return None
        signature = chart_signature(self.chart_key, round_id)
        return f"{self.public_url.rstrip('/')}/slack/charts/{round_id}-{signature}.png"

    def _chart(self, name: str) -> bytes | None:
        round_id, _dash, signature = name.removesuffix(".png").partition("-")
        if not round_id.isdigit() or not hmac.compare_digest(
            signature, chart_signature(self.chart_key, int(round_id))
        ):
            return None
        with session_scope(self.engine) as session:
            alliance = get_alliance(session)
            chart = trend_chart_of(session, alliance, Texts(alliance.language))
        return draw_chart(chart)
