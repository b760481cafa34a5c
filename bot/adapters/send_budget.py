"""Turns to send, from the whole bot's budget in the database (`bot.core.outbox.budget`).

The worker's pacer takes a turn before every message of a fan-out; the web process takes
one before every reply to a tap, through `BudgetRateLimiter`, python-telegram-bot's hook
for exactly this. A fan-out books at most `horizon` ahead, a reply books the next free
moment: so replies wait a fraction of a second even while a round of thousands goes out,
and the two together never exceed the platform's rate. A 429 pauses everybody.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.core.kernel import Platform, utcnow
from bot.core.outbox import pause, reserve
from bot.db import session_scope

# How far ahead a fan-out may book: an answer to a tap waits at most about this long for
# its turn (twice for a tap, whose message is edited and answered below). The sends book
# in line, each when the schedule has room, so a short horizon costs no turns.
HORIZON = timedelta(milliseconds=100)
# Bot API methods that are not messages in a chat: not counted against the 30 a second
UNCOUNTED = frozenset({"answerCallbackQuery", "getMe", "setWebhook", "setMyCommands", "getUpdates"})
# new messages in a chat, which Telegram also limits per chat (about one a second)
MESSAGES = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"})
PER_CHAT = 1.0  # seconds between two messages to one person
PER_GROUP = 3.0  # to one group: twenty a minute
# A turn taken later than this part of the interval after its moment is given back: at 29
# a second against Telegram's 30 in any one second, two sends may come at most about one
# interval closer than planned, and the answer's own way there needs part of that.
LATE = 0.5
MAX_GIVEN_BACK = 5


class SharedBudget:
    def __init__(
        self, engine: Engine, per_second: Mapping[str, float], horizon: timedelta = HORIZON
    ) -> None:
        self.engine = engine
        self.intervals = {p: timedelta(seconds=1 / rate) for p, rate in per_second.items()}
        self.horizon = horizon
        self.given_back = 0  # turns that came too late to take (see `turn`)
        self._paused_until = utcnow()
        self._booking: dict[str, asyncio.Lock] = {}

    async def turn(self, platform: str, interactive: bool = False) -> None:
        """Wait for this process's next turn to send on `platform`.

        A turn woken late (the process was busy or starved of CPU when it fell due) is given
        back and another booked: sent late, it would go right before the next turn, which
        another send holds, and Telegram counts any one second, not the average. A lost
        turn costs a thirtieth of a second; a 429 costs everyone a second or more."""
        interval = self.intervals[platform]
        horizon = None if interactive else self.horizon
        for _attempt in range(MAX_GIVEN_BACK + 1):
            slot = await self._book(platform, interval, horizon)
            wait = (slot - utcnow()).total_seconds()
            if wait <= 0:  # the schedule was free: nobody holds the moment after ours yet
                return
            await asyncio.sleep(wait)
            if utcnow() - slot <= interval * LATE and utcnow() >= self._paused_until:
                return
            self.given_back += 1
        # late again and again: the process is starved, better a crowded moment than none

    async def _book(
        self, platform: str, interval: timedelta, horizon: timedelta | None
    ) -> datetime:
        """A booked moment. An answer books at once; a fan-out's sends book one after
        another, each asking the database once a turn until the schedule has room within
        the horizon: they wait in line here, not in a crowd at the database's row lock."""
        if horizon is None:
            slot = await run_in_threadpool(self._reserve, platform, interval, None)
            assert slot is not None  # no horizon: always a moment
            return slot
        async with self._booking.setdefault(platform, asyncio.Lock()):
            while (
                slot := await run_in_threadpool(self._reserve, platform, interval, horizon)
            ) is None:
                await asyncio.sleep(interval.total_seconds())
            return slot

    async def pause(self, platform: str, seconds: float) -> None:
        """The platform said "wait": for every process of the bot. This process's turns
        booked before the pause are given back too."""
        until = utcnow() + timedelta(seconds=seconds)
        self._paused_until = max(self._paused_until, until)
        await run_in_threadpool(self._pause, platform, until)

    def _reserve(
        self, platform: str, interval: timedelta, horizon: timedelta | None
    ) -> datetime | None:
        with session_scope(self.engine) as session:
            return reserve(session, platform, interval, horizon)

    def _pause(self, platform: str, until: Any) -> None:
        with session_scope(self.engine) as session:
            pause(session, platform, until)


class BudgetRateLimiter(BaseRateLimiter[None]):
    """The web process's Telegram calls take their turns from the shared budget, first in
    line; a 429 pauses the whole bot and the call is tried again (up to `max_retries`)."""

    def __init__(
        self, budget: SharedBudget, max_retries: int = 3, per_chat: float = PER_CHAT
    ) -> None:
        self.budget = budget
        self.max_retries = max_retries
        self.per_chat = per_chat
        self._next_in_chat: dict[str, float] = {}  # per chat: the first free moment here
        self._sent_in_chat: dict[str, float] = {}  # per chat: when its last message left

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        counted = endpoint not in UNCOUNTED and "chat_id" in data
        for attempt in range(self.max_retries + 1):
            if endpoint in MESSAGES:  # ten messages from one chat: ten replies, a second apart
                await self._chat_turn(str(data["chat_id"]))
            if counted:
                await self.budget.turn(Platform.TELEGRAM, interactive=True)
            if endpoint in MESSAGES:
                await self._chat_spaced(str(data["chat_id"]))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as error:
                if attempt == self.max_retries:
                    raise
                retry = error.retry_after
                seconds = retry.total_seconds() if isinstance(retry, timedelta) else float(retry)
                await self.budget.pause(Platform.TELEGRAM, seconds)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _chat_spaced(self, chat: str) -> None:
        """Keep the gap between the chat's messages as they really leave: a turn booked a
        second after the previous one means nothing when that one waited for the overall
        budget longer than this one did (Telegram counts what arrives, not what we booked)."""
        gap = self.per_chat * (PER_GROUP / PER_CHAT if chat.startswith("-") else 1.0)
        last = self._sent_in_chat.get(chat)
        now = time.monotonic()
        if last is not None and now < last + gap:
            await asyncio.sleep(last + gap - now)
        self._sent_in_chat[chat] = time.monotonic()
        if len(self._sent_in_chat) > 5000:  # chats quiet for a while need no entry
            moment = time.monotonic()
            self._sent_in_chat = {c: t for c, t in self._sent_in_chat.items() if t + gap > moment}

    async def _chat_turn(self, chat: str) -> None:
        now = time.monotonic()
        gap = self.per_chat * (PER_GROUP / PER_CHAT if chat.startswith("-") else 1.0)
        at = max(now, self._next_in_chat.get(chat, now))
        self._next_in_chat[chat] = at + gap
        if len(self._next_in_chat) > 5000:  # chats quiet for a while need no entry
            self._next_in_chat = {c: t for c, t in self._next_in_chat.items() if t > now}
        if at > now:
            await asyncio.sleep(at - now)
