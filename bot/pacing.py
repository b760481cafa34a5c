"""Pacing sends to the platforms' rate limits, before the platforms have to say no.

Telegram allows about 30 messages a second overall, one a second per chat and twenty a
minute per group; Slack about one a second per channel. The per-chat spacing is kept here,
per process. The overall rate is the whole bot's: in a deployment every process takes its
turns from one budget in the database (`overall`, see `bot.adapters.send_budget`); without
one (a test, a single tool) the pacer keeps its own schedule, at its `share` of the limit. A
429 with `retry_after` pauses the whole platform for that long, because Telegram's flood
control counts the bot, not the chat.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    per_second: float  # overall, for this bot
    per_chat_interval: float  # seconds between two messages to one chat
    per_group_interval: float  # seconds between two messages to one group chat


TELEGRAM = Limits(per_second=30.0, per_chat_interval=1.0, per_group_interval=3.0)
SLACK = Limits(per_second=10.0, per_chat_interval=1.0, per_group_interval=1.0)
# e-mail: a relay's limit is per minute (`MAIL_PER_MINUTE`); one address, one e-mail at a time
EMAIL = Limits(per_second=60 / 60, per_chat_interval=0.0, per_group_interval=0.0)

_FORGET_AFTER = 60.0  # seconds: chats quiet this long no longer need a timestamp


class Pacer:
    """Waits just long enough before each send; one pacer per platform per worker."""

    def __init__(
        self,
        limits: Limits,
        share: Callable[[], int] = lambda: 1,
        clock: Callable[[], float] = time.monotonic,
        overall: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.limits = limits
        self._overall = overall
        self._share = share
        self._clock = clock
        self._next_slot = 0.0
        self._last_by_chat: dict[str, float] = {}
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        """The platform asked us to wait (429): nobody from this worker sends until then."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _interval(self, chat: str) -> float:
        is_group = chat.startswith("-") or chat.startswith("C") or chat.startswith("G")
        return self.limits.per_group_interval if is_group else self.limits.per_chat_interval

    def delay(self, chat: str) -> float:
        """How long to wait before a message to `chat` may go (without reserving it)."""
        now = self._clock()
        overall = max(self._next_slot, self._paused_until)
        last = self._last_by_chat.get(chat)
        per_chat = last + self._interval(chat) if last is not None else 0.0
        return max(0.0, overall - now, per_chat - now)

    async def wait(self, chat: str) -> None:
        """Until a message to `chat` may go. With a shared budget, several sends wait at
        once (each for its own chat, then for its turn), so a slow chat holds up nobody."""
        if self._overall is not None:
            now = self._clock()
            last = self._last_by_chat.get(chat)
            at = max(now, last + self._interval(chat)) if last is not None else now
            self._last_by_chat[chat] = at
            if len(self._last_by_chat) > 5000:
                self._forget(now)
            if at > now:
                await asyncio.sleep(at - now)
            await self._overall()
            return
        async with self._lock:
            while (pause := self.delay(chat)) > 0:
                await asyncio.sleep(pause)
            now = self._clock()
            gap = max(1, self._share()) / self.limits.per_second
            # Keep to the schedule when a wake-up came a little late (sleep overshoots by
            # about a millisecond, which would otherwise add up to a few percent of the
            # rate); after a pause, start a new schedule instead of bursting to catch up.
            on_schedule = now - self._next_slot < gap
            self._next_slot = (self._next_slot if on_schedule else now) + gap
            self._last_by_chat[chat] = now
            if len(self._last_by_chat) > 5000:
                self._forget(now)

    def _forget(self, now: float) -> None:
        self._last_by_chat = {
            chat: at for chat, at in self._last_by_chat.items() if now - at < _FORGET_AFTER
        }
