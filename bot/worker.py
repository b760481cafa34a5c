"""The outbox worker: claims due deliveries one at a time and sends them, paced and safe.

One row is in flight per worker at any moment (see `bot.core.outbox.queue` for why that is
the crash-safety window). Each platform has its own pacer; several workers share the
platforms' overall limits through their heartbeats.

A row with an image is sent text first, then image (see `bot.adapters.senders`). If the
image fails after the text went out, the text's ids are kept in `platform_message_id` while
the row waits for its retry, and the retry sends only the image. If the image cannot be
sent at all (a permanent error, or the attempts run out), the row still counts as sent —
its text did arrive — and `last_error` says the image is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import col, func, select

from bot.adapters.senders import PermanentSendError, Sender, TransientSendError
from bot.core.kernel import Chart, Image, utcnow
from bot.core.outbox import (
    BASE_BACKOFF_SECONDS,
    Delivery,
    active_workers,
    claim_next,
    delivery_reply,
    forget_worker,
    heartbeat,
    mark_failed,
    mark_retry,
    mark_sent,
    readiness,
    reclaim_abandoned,
    release,
)
from bot.db import session_scope
from bot.pacing import SLACK, TELEGRAM, Limits, Pacer

log = logging.getLogger(__name__)

DEFAULT_LIMITS = {"telegram": TELEGRAM, "slack": SLACK}
ONCE_RETRY_HORIZON = timedelta(seconds=60)
HEARTBEAT_SECONDS = 0.5


@dataclass
class WorkerOptions:
    lease: timedelta = timedelta(seconds=60)
    poll_interval: float = 1.0
    limits: dict[str, Limits] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    seed: int | None = None
    base_backoff: float = BASE_BACKOFF_SECONDS


class Worker:
    def __init__(
        self,
        engine: Engine,
        senders: dict[str, Sender],
        options: WorkerOptions | None = None,
        name: str | None = None,
    ) -> None:
        self.engine = engine
        self.senders = senders
        self.options = options or WorkerOptions()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stats: Counter[str] = Counter()
        self._workers = 1
        self._rng = random.Random(self.options.seed)
        self._pacers = {
            platform: Pacer(self.options.limits[platform], share=lambda: self._workers)
            for platform in senders
        }

    # ----------------------------------------------------------------- life cycle --
    async def run(self, once: bool = False, stop: asyncio.Event | None = None) -> Counter[str]:
        """Send until stopped (or, with `once`, until nothing is due any more)."""
        stop = stop or asyncio.Event()
        self._beat()
        beating = asyncio.create_task(self._heartbeats(stop))
        if self._workers > 1:
            # Others are sending: give them one heartbeat to notice us and slow down to
            # their share before we add our messages to the platform's overall limit.
            await self._sleep(stop, 2 * HEARTBEAT_SECONDS)
        try:
            while not stop.is_set():
                delivery_id = self._claim()
                if delivery_id is None:
                    if once and not self._retry_soon():
                        break
                    await self._sleep(stop, self.options.poll_interval)
                    continue
                await self._process(delivery_id)
        finally:
            beating.cancel()
            with session_scope(self.engine) as session:
                forget_worker(session, self.name)
            for sender in self.senders.values():
                await sender.close()
        return self.stats

    async def _heartbeats(self, stop: asyncio.Event) -> None:
        # Often enough that a worker that joins halves the others' pace within a second.
        interval = min(HEARTBEAT_SECONDS, max(0.2, self.options.lease.total_seconds() / 3))
        while not stop.is_set():
            await asyncio.sleep(interval)
            try:
                self._beat()
            except Exception:  # the database hiccuped: the next beat will do
                log.warning("heartbeat failed", exc_info=True)

    def _beat(self) -> None:
        now = utcnow()
        with session_scope(self.engine) as session:
            heartbeat(session, self.name, now)
            self._workers = active_workers(session, now, self.options.lease)
            reclaimed = reclaim_abandoned(session, now, self.options.lease)
        if reclaimed:
            log.warning("took back %d deliveries from a worker that stopped", reclaimed)
            self.stats["reclaimed"] += reclaimed

    @staticmethod
    async def _sleep(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)

    # ------------------------------------------------------------------- one row --
    def _claim(self) -> int | None:
        with session_scope(self.engine) as session:
            delivery = claim_next(session, self.name, utcnow(), tuple(self.senders))
            return delivery.id if delivery else None

    def _retry_soon(self) -> bool:
        """In `--once` mode, a retry due within a minute still counts as due now."""
        with session_scope(self.engine) as session:
            return bool(
                session.exec(
                    select(func.count())
                    .select_from(Delivery)
                    .where(
                        Delivery.status == "pending",
                        Delivery.attempts > 0,
                        Delivery.due_at <= utcnow() + ONCE_RETRY_HORIZON,
                        col(Delivery.platform).in_(tuple(self.senders)),
                    )
                ).one()
            )

    async def _process(self, delivery_id: int) -> None:
        with session_scope(self.engine) as session:
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            platform = delivery.platform
            ready = readiness(session, delivery, utcnow())
            if ready.decision != "send" or ready.target is None:
                status = "pending" if ready.decision == "wait" else ready.decision
                release(session, delivery_id, self.name, status, ready.until)
                self.stats[ready.decision] += 1
                return
            reply = delivery_reply(session, delivery, ready.person)
            if delivery.chart is not None:  # drawn by the sender, in the reader's words
                reply = replace(reply, image=Chart.from_json(delivery.chart))
            elif delivery.image is not None:
                reply = replace(reply, image=delivery_image(delivery, delivery.image))
            text_sent = delivery.platform_message_id  # set while pending: the text went
            target = ready.target
        pacer = self._pacers[platform]
        try:
            message_id = await self.senders[platform].send(
                target, reply, pacer.wait, text_sent=text_sent
            )
        except TransientSendError as error:
            if error.retry_after:
                pacer.pause(error.retry_after)
                self.stats["rate_limited"] += 1
                self._beat()  # perhaps another worker started: share the rate at once
            self._retry(delivery_id, str(error), error.retry_after, error.sent)
        except PermanentSendError as error:
            if error.sent is not None:  # the text arrived; only the image is lost
                self._sent_without_image(delivery_id, error.sent, str(error))
                return
            log.warning("delivery %s failed for good: %s", delivery_id, error)
            with session_scope(self.engine) as session:
                mark_failed(
                    session, delivery_id, self.name, str(error), error.recipient_gone, utcnow()
                )
            self.stats["failed"] += 1
        except Exception as error:  # a bug or an unexpected answer: retry, never lose it
            log.exception("delivery %s: unexpected error", delivery_id)
            self._retry(delivery_id, f"{type(error).__name__}: {error}", None)
        else:
            with session_scope(self.engine) as session:
                mark_sent(session, delivery_id, self.name, message_id)
            self.stats["sent"] += 1

    def _retry(
        self, delivery_id: int, error: str, retry_after: float | None, sent: str | None = None
    ) -> None:
        """Try again later; with `sent` (the text went out), later means the image only."""
        with session_scope(self.engine) as session:
            delivery = session.get(Delivery, delivery_id)
            ours = (
                delivery is not None
                and delivery.status == "sending"
                and delivery.claimed_by == self.name
            )
            again = mark_retry(
                session,
                delivery_id,
                self.name,
                error,
                utcnow(),
                retry_after,
                self._rng,
                self.options.base_backoff,
            )
            if ours and delivery is not None and sent is not None:
                delivery.platform_message_id = sent
                if not again:  # attempts used up: the text arrived, so it was sent
                    delivery.status = "sent"
                    delivery.sent_at = utcnow()
                    delivery.last_error = f"sent without its image: {error}"[:500]
                    log.warning("delivery %s sent without its image: %s", delivery_id, error)
                    self.stats["sent"] += 1
                    return
        self.stats["retried" if again else "failed"] += 1

    def _sent_without_image(self, delivery_id: int, sent: str, error: str) -> None:
        log.warning("delivery %s sent without its image: %s", delivery_id, error)
        with session_scope(self.engine) as session:
            delivery = session.get(Delivery, delivery_id)
            mark_sent(session, delivery_id, self.name, sent)
            if delivery is not None and delivery.status == "sent":
                delivery.last_error = f"sent without its image: {error}"[:500]
        self.stats["sent"] += 1


def delivery_image(delivery: Delivery, png: bytes) -> Image:
    """The row's PNG, under the name its planner gave it (`pulse-report.png`)."""
    return Image(png, delivery.image_alt or "", filename=delivery.image_name or "image.png")
