"""The composition root: builds the engine, senders, worker, clock and web app.

Adapters for Slack and Telegram plug in here (their routes into the web app, their senders
into the worker); the core never learns which ones are on.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import uvicorn
import uvicorn.config
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from bot.adapters.link_key import link_key
from bot.adapters.mail import MailSender, SmtpConfig
from bot.adapters.send_budget import SharedBudget
from bot.adapters.senders import Sender, SlackSender, TelegramSender
from bot.adapters.web import Lifespan, create_web_app
from bot.core.kernel import Platform
from bot.core.mail import MailLinks
from bot.db import check_schema, make_engine
from bot.logs import with_redaction
from bot.pacing import EMAIL, SLACK, TELEGRAM, Limits
from bot.settings import Settings
from bot.worker import Worker, WorkerOptions

log = logging.getLogger(__name__)


def build_web_app(engine: Engine, settings: Settings) -> Starlette:
    """The web app with every configured adapter mounted and started with it."""
    routes: list[BaseRoute] = []
    lifespans: list[Lifespan] = []
    if settings.telegram_bot_token is not None:
        from bot.adapters.telegram import TelegramAdapter, telegram_lifespan

        telegram = TelegramAdapter(engine, settings, webhook=bool(settings.telegram_webhook_url))
        routes.extend(telegram.routes())
        lifespans.append(telegram_lifespan(telegram))
    if settings.slack_bot_token is not None and (
        settings.slack_signing_secret is not None or settings.slack_app_token is not None
    ):
        from bot.adapters.slack import SlackAdapter, slack_lifespan

        slack = SlackAdapter(engine, settings)
        app_token = settings.slack_app_token
        if app_token is None:
            routes.extend(slack.routes())  # HTTP: Events API and interactivity
        lifespans.append(slack_lifespan(slack, app_token.get_secret_value() if app_token else None))
    return create_web_app(engine, routes, lifespans)


def telegram_username(settings: Settings) -> str:
    """The bot's username, from Telegram (getMe); invite links need it."""
    from telegram import Bot

    assert settings.telegram_bot_token is not None
    bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=settings.telegram_api_url)

    async def ask() -> str:
        async with bot:
            return bot.username

    return asyncio.run(ask())


def build_senders(settings: Settings) -> dict[str, Sender]:
    senders: dict[str, Sender] = {}
    if settings.telegram_bot_token is not None:
        senders[Platform.TELEGRAM] = TelegramSender(
            settings.telegram_bot_token.get_secret_value(), settings.telegram_api_url
        )
    if settings.slack_bot_token is not None:
        senders[Platform.SLACK] = SlackSender(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_url
        )
    if settings.smtp_url is not None:
        config = SmtpConfig.from_url(
            settings.smtp_url.get_secret_value(), settings.mail_from, settings.mail_reply_to
        )
        senders[Platform.EMAIL] = MailSender(config, connections=settings.worker_in_flight)
    return senders


def build_worker(engine: Engine, settings: Settings) -> Worker:
    options = WorkerOptions(
        lease=timedelta(seconds=settings.worker_lease_seconds),
        poll_interval=settings.worker_poll_seconds,
        in_flight=settings.worker_in_flight,
        limits={
            Platform.TELEGRAM: Limits(
                settings.telegram_messages_per_second,
                TELEGRAM.per_chat_interval,
                TELEGRAM.per_group_interval,
            ),
            Platform.SLACK: Limits(
                settings.slack_messages_per_second,
                SLACK.per_chat_interval,
                SLACK.per_group_interval,
            ),
            Platform.EMAIL: Limits(
                settings.mail_per_minute / 60, EMAIL.per_chat_interval, EMAIL.per_group_interval
            ),
        },
        mail_links=MailLinks(settings.public_url, link_key(settings)),
    )
    return Worker(engine, build_senders(settings), options, budget=shared_budget(engine, settings))


def shared_budget(engine: Engine, settings: Settings) -> SharedBudget:
    """The whole bot's send rates, one schedule per platform in the database."""
    return SharedBudget(
        engine,
        {
            Platform.TELEGRAM: settings.telegram_messages_per_second,
            Platform.SLACK: settings.slack_messages_per_second,
            Platform.EMAIL: settings.mail_per_minute / 60,
        },
    )


def run_worker(settings: Settings, once: bool) -> Counter[str]:
    """Run the worker; SIGTERM (a deploy, a scale-down) finishes the row in hand, then stops."""
    engine = make_engine(settings.database_url)
    check_schema(engine)
    worker = build_worker(engine, settings)
    if not worker.senders:
        log.warning(
            "no platform is configured (TELEGRAM_BOT_TOKEN, SLACK_BOT_TOKEN, SMTP_URL):"
            " nothing will be sent"
        )

    async def main() -> Counter[str]:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        return await worker.run(once=once, stop=stop)

    return asyncio.run(main())


def web_engine(settings: Settings) -> Engine:
    """The web process's engine: its pool fits the inbound slots (see `bot.adapters.inbound`),
    so a burst of updates waits for a slot, never for a connection."""
    return make_engine(settings.database_url, pool_size=settings.database_pool_size, max_overflow=0)


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging (its formats and access log), with secrets redacted by each of
    its handlers: the access log prints request paths, and toolkit links are secrets."""
    return with_redaction(uvicorn.config.LOGGING_CONFIG)


def serve_web(settings: Settings, host: str = "0.0.0.0") -> None:
    engine = web_engine(settings)
    check_schema(engine)
    uvicorn.run(
        build_web_app(engine, settings),
        host=host,
        port=settings.port,
        log_level="info",
        log_config=uvicorn_log_config(),
    )


def run_all(settings: Settings, host: str = "0.0.0.0") -> None:
    """web + clock + worker in one process, for single-machine deployments."""
    from bot.clock import start_background_clock

    engine = web_engine(settings)
    check_schema(engine)
    clock = start_background_clock(engine)
    worker = build_worker(engine, settings)
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(
        target=lambda: loop.run_until_complete(worker.run(stop=stop)), daemon=True
    )
    thread.start()
    try:
        uvicorn.run(
            build_web_app(engine, settings),
            host=host,
            port=settings.port,
            log_config=uvicorn_log_config(),
        )
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        clock.shutdown(wait=False)
