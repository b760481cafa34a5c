"""The baselines of the inbound benchmark: bare framework apps that answer inside the request.

- Telegram: a python-telegram-bot `Application` (no updater) behind the same route and
  secret check as ours (as in `bench_telegram`), whose one handler answers a button press as
  ours does — `answerCallbackQuery`, `editMessageText` on the pressed message, `sendMessage`
  below it — and a message with one `sendMessage`, all before the webhook's 200. Optionally
  with the `AIORateLimiter` ours uses, at ours' rate (29 chat messages a second).
- Slack: a Bolt `AsyncApp` at the same route that acks every `/alliance` command and every
  button press and then answers "ok" through the request's `response_url` (`respond`).

They store nothing: a redelivery is answered again. Each runs as its own uvicorn process:
`python -m bench.inbound_bare telegram PORT [--rate-limited]` or `… slack PORT`, with the
same TELEGRAM_* / SLACK_* variables as ours.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TELEGRAM_PATH = "/telegram/webhook"
SLACK_PATH = "/slack/events"
SLASH = "/alliance"
RATE = 29.0  # ours' default TELEGRAM_MESSAGES_PER_SECOND


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def telegram_app(token: str, api_url: str, secret: str, rate_limited: bool) -> Starlette:
    from telegram import Message, Update
    from telegram.ext import AIORateLimiter, Application, ContextTypes, TypeHandler

    builder = Application.builder().token(token).base_url(api_url).updater(None)
    if rate_limited:
        limiter = AIORateLimiter(overall_max_rate=RATE, max_retries=3)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application = builder.build()

    async def on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None:
            await query.answer()
            if isinstance(query.message, Message):
                await query.edit_message_text(f"{query.message.text} ✓", reply_markup=None)
                await context.bot.send_message(query.message.chat_id, "ok")
        elif update.message is not None:
            await context.bot.send_message(update.message.chat_id, "ok")

    application.add_handler(TypeHandler(Update, on_update))

    async def webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"ok": False, "error": "forbidden"}, status_code=403)
        try:
            update = Update.de_json(json.loads(await request.body()), application.bot)
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"ok": False, "error": "not an update"}, status_code=400)
        await application.process_update(update)
        return JSONResponse({"ok": True})

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with application:
            await application.start()
            yield
            await application.stop()

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route(TELEGRAM_PATH, webhook, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


def slack_app(token: str, api_url: str, secret: str) -> Starlette:
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=token, base_url=api_url), signing_secret=secret)
    Call = Callable[..., Awaitable[Any]]

    @bolt.command(SLASH)
    async def command(ack: Call, respond: Call) -> None:
        await ack()
        await respond("ok")

    @bolt.action(re.compile(".*"))
    async def action(ack: Call, respond: Call) -> None:
        await ack()
        await respond("ok")

    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route(SLACK_PATH, events, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def main(argv: list[str]) -> None:
    import uvicorn

    logging.basicConfig(  # as the CLI does for ours
        level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    kind, port = argv[0], int(argv[1])
    if kind == "telegram":
        app = telegram_app(
            os.environ["TELEGRAM_BOT_TOKEN"],
            os.environ["TELEGRAM_API_URL"],
            os.environ["TELEGRAM_WEBHOOK_SECRET"],
            rate_limited="--rate-limited" in argv[2:],
        )
    else:
        app = slack_app(
            os.environ["SLACK_BOT_TOKEN"],
            os.environ["SLACK_API_URL"],
            os.environ["SLACK_SIGNING_SECRET"],
        )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")  # as `serve_web`


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("telegram", "slack"):
        print("usage: python -m bench.inbound_bare telegram|slack PORT [--rate-limited]")
        sys.exit(2)
    main(sys.argv[1:])
