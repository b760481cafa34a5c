"""Updates in: stored before they are acknowledged, handled once, retried when they failed.

Each chat adapter hands its updates to an `Inbound` (one per platform). `accept` stores the
update in the core's inbox and returns; the platform gets its 2xx only after that commit
(a database that cannot take the update makes the adapter answer 503, so the platform
delivers it again). Handling then runs in the background, at most `concurrency` updates at
once: the adapter's `decide` computes the effect in one database session, the same
transaction marks the update done, and `deliver` sends the replies after the commit. A try
that failed leaves the update pending; the retry loop takes it up again (also after a
restart), and a redelivered update that was stored before changes nothing.

Sizing: storing takes a database connection for a moment, handling one for the length of
the core call; each is bounded by its own semaphore, so a web process needs at most
`receivers + concurrency` connections per platform (plus a couple for health and pages):
`bot.app` sizes the engine's pool from the same settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.core.inbox import AlreadyHandled, Stored, due, failed, finish, receive
from bot.db import session_scope

log = logging.getLogger(__name__)

Prepared = Any
Result = TypeVar("Result")
RETRY_EVERY = 2.0  # seconds between looks for updates whose retry is due


class NotStored(Exception):
    """The update could not be stored: do not acknowledge it."""


@dataclass(frozen=True)
class Handling(Generic[Result]):
    """What an adapter does with a stored update: `prepare` (async, before the database:
    looking someone up on the platform), `decide` (in one session; its effect commits with
    the update's status) and `deliver` (async, after the commit: the replies)."""

    decide: Callable[[Session, str, Prepared], Result]
    deliver: Callable[[str, Result], Awaitable[None]]
    prepare: Callable[[str], Awaitable[Prepared]] | None = None


class Inbound(Generic[Result]):
    def __init__(
        self,
        engine: Engine,
        platform: str,
        handling: Handling[Result],
        concurrency: int = 8,
        receivers: int = 4,
    ) -> None:
        self.engine = engine
        self.platform = platform
        self.handling = handling
        self._handlers = asyncio.Semaphore(concurrency)
        self._receivers = asyncio.Semaphore(receivers)
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------------- in --
    async def accept(self, key: str, payload: str) -> bool:
        """Store the update and start handling it; False for one stored before. Raises
        `NotStored` when the database did not take it (answer non-2xx)."""
        async with self._receivers:
            try:
                inbound_id = await run_in_threadpool(self._store, key, payload)
            except SQLAlchemyError as error:
                log.warning("%s update %s not stored: %s", self.platform, key, _short(error))
                raise NotStored(key) from None
        if inbound_id is None:
            return False
        self._spawn(self._handle(inbound_id, payload))
        return True

    def _store(self, key: str, payload: str) -> int | None:
        with session_scope(self.engine) as session:
            return receive(session, self.platform, key, payload)

    # ------------------------------------------------------------------ handling --
    async def _handle(self, inbound_id: int, payload: str) -> None:
        async with self._handlers:
            try:
                prepared = await self.handling.prepare(payload) if self.handling.prepare else None
                result = await run_in_threadpool(self._decide, inbound_id, payload, prepared)
            except AlreadyHandled:
                return
            except SQLAlchemyError as error:  # the database: try again later
                log.warning("%s update %s failed: %s", self.platform, inbound_id, _short(error))
                await self._failed(inbound_id, _short(error))
                return
            except Exception as error:  # a bug: logged whole, and tried again later
                log.exception("%s update %s failed", self.platform, inbound_id)
                await self._failed(inbound_id, f"{type(error).__name__}: {error}")
                return
        try:
            await self.handling.deliver(payload, result)
        except Exception as error:  # the effect is stored; a reply that did not go is lost
            log.warning("%s reply to update %s not sent: %s", self.platform, inbound_id, error)

    def _decide(self, inbound_id: int, payload: str, prepared: Prepared) -> Result:
        with session_scope(self.engine) as session:
            result = self.handling.decide(session, payload, prepared)
            finish(session, inbound_id)  # AlreadyHandled rolls the effect back
            return result

    async def _failed(self, inbound_id: int, error: str) -> None:
        """Record the failure; if even that fails, the lease runs out and it is retried."""
        with contextlib.suppress(SQLAlchemyError):
            await run_in_threadpool(self._record_failure, inbound_id, error)

    def _record_failure(self, inbound_id: int, error: str) -> None:
        with session_scope(self.engine) as session:
            failed(session, inbound_id, error)

    # ------------------------------------------------------------------- retries --
    async def start(self) -> None:
        if self._loop is None:
            self._loop = asyncio.create_task(self._retry_loop())

    async def _retry_loop(self) -> None:
        while True:
            await self.retry_due()
            await asyncio.sleep(RETRY_EVERY)

    async def retry_due(self) -> int:
        """Handle what is due again (failed tries, handlers that died); how many."""
        try:
            stored = await run_in_threadpool(self._due)
        except SQLAlchemyError as error:
            log.warning("%s retries not read: %s", self.platform, _short(error))
            return 0
        for row in stored:
            self._spawn(self._handle(row.id, row.payload))
        return len(stored)

    def _due(self) -> list[Stored]:
        with session_scope(self.engine) as session:
            return due(session, self.platform)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def settled(self) -> None:
        """Wait until every update in hand is handled (tests, and a clean stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Finish what is in hand (for half a minute at most: what is left stays pending in
        the inbox and is handled after the restart)."""
        if self._loop is not None:
            self._loop.cancel()
            self._loop = None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), timeout=30)


def _short(error: BaseException) -> str:
    """The first line of a database error, without SQL or parameters (no personal data)."""
    origin = getattr(error, "orig", None) or error
    return f"{type(origin).__name__}: {str(origin).splitlines()[0][:200] if str(origin) else ''}"
