"""The composition root: builds the engine and the web app, and serves them.

Adapters for Slack and Telegram plug in here (their routes into the web app, their senders
into the worker); the core never learns which ones are on.
"""

from __future__ import annotations

import uvicorn
from sqlalchemy import Engine
from starlette.applications import Starlette

from bot.adapters.web import create_web_app
from bot.db import make_engine
from bot.settings import Settings


def build_web_app(engine: Engine, settings: Settings) -> Starlette:
    return create_web_app(engine)


def serve_web(settings: Settings, host: str = "0.0.0.0") -> None:  # noqa: S104 (a PaaS web dyno)
    engine = make_engine(settings.database_url)
    uvicorn.run(build_web_app(engine, settings), host=host, port=settings.port, log_level="info")
