"""The outbox worker: claims due deliveries and sends them, paced and safe.

The platform's answer takes tens of milliseconds (more under load), so a worker that waited
for each answer before it sent the next would reach a third of Telegram's 30 a second. So
a worker keeps up to `in_flight` sends on their way at once, while the pacer still spaces
their starts: per chat here, overall by turns from the budget every process of the bot
shares (`bot.adapters.send_budget`). A slow or failing send holds up no other, and one
person's messages go one after the other (a row is not claimed while another to the same
person is on its way). `in_flight` is also the crash-safety window: a worker killed at any
moment leaves at most that many rows in doubt (see `bot.core.outbox.queue`); the default of
8 keeps 30 a second going against an answer of up to a quarter of a second.

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Engine

from bot.adapters.mail import MailSender
from bot.adapters.send_budget import SharedBudget
from bot.adapters.senders import PermanentSendError, Sender, TransientSendError
from bot.core.kernel import Chart, Image, Platform, Reply, utcnow
from bot.core.mail import MailDraft, MailLinks, draft_mail
from bot.core.outbox import (
    BASE_BACKOFF_SECONDS,
    Delivery,
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
    retry_due_soon,
)
from bot.db import session_scope
from bot.pacing import EMAIL, SLACK, TELEGRAM, Limits, Pacer

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_LIMITS = {"telegram": TELEGRAM, "slack": SLACK, "email": EMAIL}
ONCE_RETRY_HORIZON = timedelta(seconds=60)


@dataclass
class WorkerOptions:
    # a worker silent this long is dead: its rows go back to pending (it beats 4 times as often)
    lease: timedelta = timedelta(seconds=5)
    poll_interval: float = 1.0
    limits: dict[str, Limits] = field(default_factory=lambda: dict(DEFAULT_LIMITS))
    seed: int | None = None
    base_backoff: float = BASE_BACKOFF_SECONDS
    in_flight: int = 8  # sends on their way at once (and the duplicates a kill -9 may cause)
    # where an e-mail's links point and what signs them (`PUBLIC_URL`, the secret key)
    mail_links: MailLinks = field(default_factory=lambda: MailLinks("http://127.0.0.1:8000"))


class Worker:
    def __init__(
        self,
        engine: Engine,
        senders: dict[str, Sender],
        options: WorkerOptions | None = None,
        name: str | None = None,
        budget: SharedBudget | None = None,
    ) -> None:
        self.engine = engine
        self.senders = senders
        self.options = options or WorkerOptions()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.stats: Counter[str] = Counter()
        self.budget = budget
        self._rng = random.Random(self.options.seed)
        self._pacers = {platform: self._pacer(platform) for platform in senders}
        self._sending: set[asyncio.Task[None]] = set()
        # The database work (claims, checks, renders, marks, beats) runs in one thread of its
        # own, one piece after another as before, so that the event loop is always free to
        # wake a send at its turn: a commit that waits on a lock, or a render, would
        # otherwise make the sends due meanwhile go late and together.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker-db")

    async def _in_db(self, work: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._db, work, *args)

    def _pacer(self, platform: str) -> Pacer:
        budget = self.budget
        if budget is None:
            return Pacer(self.options.limits[platform])
        return Pacer(self.options.limits[platform], overall=lambda: budget.turn(platform))

    # ----------------------------------------------------------------- life cycle --
    async def run(self, once: bool = False, stop: asyncio.Event | None = None) -> Counter[str]:
        """Send until stopped (or, with `once`, until nothing is due any more)."""
        stop = stop or asyncio.Event()
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker-db")
        await self._beat()
        beating = asyncio.create_task(self._heartbeats(stop))
        try:
            while not stop.is_set():
                if len(self._sending) >= self.options.in_flight:
                    await asyncio.wait(self._sending, return_when=asyncio.FIRST_COMPLETED)
                    continue
                delivery_id = await self._in_db(self._claim)
                if delivery_id is not None:
                    self._start(delivery_id)
                elif self._sending:  # nothing else due yet: wait for a send to end
                    await asyncio.wait(
                        self._sending,
                        timeout=self.options.poll_interval,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                elif once and not await self._in_db(self._retry_soon):
                    break
                else:
                    await self._sleep(stop, self.options.poll_interval)
        finally:
            if self._sending:  # what is on its way is finished, not abandoned
                await asyncio.wait(self._sending)
            beating.cancel()
            await self._in_db(self._forget)
            self._db.shutdown(wait=False)
            if self.budget is not None and self.budget.given_back:  # woke too late to send
                self.stats["turns_given_back"] = self.budget.given_back
            for sender in self.senders.values():
                await sender.close()
        return self.stats

    def _start(self, delivery_id: int) -> None:
        task = asyncio.create_task(self._process(delivery_id))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _heartbeats(self, stop: asyncio.Event) -> None:
        # Four beats a lease: a worker that stops is noticed within the lease, not later.
        interval = max(0.1, self.options.lease.total_seconds() / 4)
        while not stop.is_set():
            await asyncio.sleep(interval)
            try:
                await self._beat()
            except Exception:  # the database hiccuped: the next beat will do
                log.warning("heartbeat failed", exc_info=True)

    async def _beat(self) -> None:
        reclaimed = await self._in_db(self._beat_now)
        if reclaimed:
            log.warning("took back %d deliveries from a worker that stopped", reclaimed)
            self.stats["reclaimed"] += reclaimed

    def _beat_now(self) -> int:
        now = utcnow()
        with session_scope(self.engine) as session:
            heartbeat(session, self.name, now)
            return reclaim_abandoned(session, now, self.options.lease)

    def _forget(self) -> None:
        with session_scope(self.engine) as session:
            forget_worker(session, self.name)

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
            return retry_due_soon(session, tuple(self.senders), utcnow(), ONCE_RETRY_HORIZON)

    def _prepare(self, delivery_id: int) -> tuple[str, str, Reply | MailDraft, str | None] | str:
        """The row checked once more and rendered: platform, target, reply (an e-mail's
        draft, with its links) and the text's ids if it went before; or, when it is not to
        be sent now, what was decided."""
        with session_scope(self.engine) as session:
            delivery = session.get(Delivery, delivery_id)
            assert delivery is not None
            ready = readiness(session, delivery, utcnow())
            if ready.decision != "send" or ready.target is None:
                status = "pending" if ready.decision == "wait" else ready.decision
                release(session, delivery_id, self.name, status, ready.until)
                return ready.decision
            reply = delivery_reply(session, delivery, ready.person)
            if delivery.chart is not None:  # drawn by the sender, in the reader's words
                reply = replace(reply, image=Chart.from_json(delivery.chart))
            elif delivery.image is not None:
                reply = replace(reply, image=delivery_image(delivery, delivery.image))
            if delivery.platform == Platform.EMAIL and ready.person is not None:
                draft = draft_mail(session, delivery, ready.person, reply, self.options.mail_links)
                return delivery.platform, ready.target, draft, None
            # platform_message_id is set while pending when the text went before the image
            return delivery.platform, ready.target, reply, delivery.platform_message_id

    async def _process(self, delivery_id: int) -> None:
        prepared = await self._in_db(self._prepare, delivery_id)
        if isinstance(prepared, str):
            self.stats[prepared] += 1
            return
        platform, target, reply, text_sent = prepared
        pacer = self._pacers[platform]
        sender = self.senders[platform]
        try:
            if isinstance(reply, MailDraft) and isinstance(sender, MailSender):
                message_id = await sender.send_draft(target, reply, pacer.wait)
            else:
                assert isinstance(reply, Reply)
                message_id = await sender.send(target, reply, pacer.wait, text_sent=text_sent)
        except TransientSendError as error:
            if error.retry_after:
                pacer.pause(error.retry_after)
                if self.budget is not None:  # everyone waits, not only this worker
                    await self.budget.pause(platform, error.retry_after)
                self.stats["rate_limited"] += 1
            retry = (delivery_id, str(error), error.retry_after, error.sent)
            self.stats[await self._in_db(self._retry, *retry)] += 1
        except PermanentSendError as error:
            if error.sent is not None:  # the text arrived; only the image is lost
                await self._in_db(self._sent_without_image, delivery_id, error.sent, str(error))
                self.stats["sent"] += 1
                return
            log.warning("delivery %s failed for good: %s", delivery_id, error)
            await self._in_db(self._failed, delivery_id, str(error), error.recipient_gone)
            self.stats["failed"] += 1
        except Exception as error:  # a bug or an unexpected answer: retry, never lose it
            log.exception("delivery %s: unexpected error", delivery_id)
            reason = f"{type(error).__name__}: {error}"
            self.stats[await self._in_db(self._retry, delivery_id, reason, None)] += 1
        else:
            await self._in_db(self._sent, delivery_id, message_id)
            self.stats["sent"] += 1

    def _sent(self, delivery_id: int, message_id: str) -> None:
        with session_scope(self.engine) as session:
            mark_sent(session, delivery_id, self.name, message_id)

    def _failed(self, delivery_id: int, error: str, recipient_gone: bool) -> None:
        with session_scope(self.engine) as session:
            mark_failed(session, delivery_id, self.name, error, recipient_gone, utcnow())

    def _retry(
        self, delivery_id: int, error: str, retry_after: float | None, sent: str | None = None
    ) -> str:
        """Try again later; with `sent` (the text went out), later means the image only.
        What became of the row: retried, sent (without its image) or failed."""
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
                    return "sent"
        return "retried" if again else "failed"

    def _sent_without_image(self, delivery_id: int, sent: str, error: str) -> None:
        log.warning("delivery %s sent without its image: %s", delivery_id, error)
        with session_scope(self.engine) as session:
            delivery = session.get(Delivery, delivery_id)
            mark_sent(session, delivery_id, self.name, sent)
            if delivery is not None and delivery.status == "sent":
                delivery.last_error = f"sent without its image: {error}"[:500]


def delivery_image(delivery: Delivery, png: bytes) -> Image:
    """The row's PNG, under the name its planner gave it (`pulse-report.png`)."""
    return Image(png, delivery.image_alt or "", filename=delivery.image_name or "image.png")
