"""An ASGI transport that answers only when the bot has handled what the request stored.

The adapters acknowledge an update as soon as it is stored and handle it right after, in
the background (`bot.adapters.inbound`). Tests read the effects and the replies right after
a request; through this transport the request returns when the handling is done, as a
platform's next look would find it."""

from __future__ import annotations

from typing import Any

import httpx


class SettlingTransport(httpx.ASGITransport):
    def __init__(self, app: Any, *inbounds: Any) -> None:
        super().__init__(app=app)
        self.inbounds = inbounds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        for inbound in self.inbounds:
            await inbound.settled()
        return response
