"""One send budget for the whole bot: turns never closer than the rate allows, across
processes; an answer to a tap goes before a fan-out; a 429 pauses everyone."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from telegram.error import RetryAfter

from bot.adapters.send_budget import BudgetRateLimiter, SharedBudget
from bot.core.kernel import utcnow
from bot.core.outbox import reserve
from bot.db import session_scope

RATE = 50.0  # turns a second: quick tests, the same arithmetic as Telegram's 30


async def _turns(budget: SharedBudget, count: int, interactive: bool = False) -> list[float]:
    moments = []
    for _ in range(count):
        await budget.turn("telegram", interactive=interactive)
        moments.append(time.monotonic())
    return moments


async def test_two_processes_share_one_rate(engine: Engine) -> None:
    """Two budgets on one database stand for two processes: together, one rate."""
    first, second = (
        SharedBudget(engine, {"telegram": RATE}),
        SharedBudget(engine, {"telegram": RATE}),
    )
    started = time.monotonic()
    a, b = await asyncio.gather(_turns(first, 25), _turns(second, 25))
    took = time.monotonic() - started
    moments = sorted(a + b)
    assert took >= 49 / RATE * 0.95
    # what a platform counts: turns in any stretch of time (a wake-up may come a little late)
    most = max(sum(1 for t in moments if start <= t < start + 0.5) for start in moments)
    assert most <= RATE * 0.5 + 2


async def test_fan_out_sends_book_in_line_within_the_horizon(engine: Engine) -> None:
    """Sixteen sends of one process wanting turns at once: each books within the horizon,
    the process asks the database about once a turn rather than each send on its own."""
    budget = SharedBudget(engine, {"telegram": RATE}, horizon=timedelta(milliseconds=60))
    asked = 0
    real = budget._reserve

    def counted(*args: Any) -> Any:
        nonlocal asked
        asked += 1
        return real(*args)

    budget._reserve = counted  # type: ignore[method-assign]
    await asyncio.gather(*(_turns(budget, 3) for _ in range(16)))
    assert asked < 48 * 2, f"{asked} questions for 48 turns: every waiting send polled"


async def test_an_answer_goes_before_a_running_fan_out(engine: Engine) -> None:
    budget = SharedBudget(engine, {"telegram": RATE}, horizon=timedelta(milliseconds=100))
    bulk = [
        SharedBudget(engine, {"telegram": RATE}, horizon=timedelta(milliseconds=100))
        for _ in range(4)
    ]

    async def fan_out() -> None:  # four workers, each always wanting the next turn
        await asyncio.gather(*(_turns(b, 60) for b in bulk))

    running = asyncio.create_task(fan_out())
    await asyncio.sleep(0.3)  # the fan-out is in full swing
    waits = []
    for _ in range(5):
        asked = time.monotonic()
        await budget.turn("telegram", interactive=True)
        waits.append(time.monotonic() - asked)
        await asyncio.sleep(0.05)
    await running
    assert max(waits) < 0.1 + 3 / RATE, waits  # the horizon, and a turn or two


async def test_a_429_pauses_every_process(engine: Engine) -> None:
    one, other = SharedBudget(engine, {"telegram": RATE}), SharedBudget(engine, {"telegram": RATE})
    await one.pause("telegram", 0.6)
    asked = time.monotonic()
    await other.turn("telegram")
    assert time.monotonic() - asked >= 0.5


async def test_the_web_limiter_counts_messages_and_waits_out_a_429(engine: Engine) -> None:
    budget = SharedBudget(engine, {"telegram": RATE})
    limiter = BudgetRateLimiter(budget, max_retries=2)
    calls: list[float] = []

    async def send(*_args: Any, **_kwargs: Any) -> bool:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RetryAfter(1)
        return True

    assert await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert len(calls) == 2 and calls[1] - calls[0] >= 0.9, "tried again after retry_after"
    with pytest.raises(RetryAfter):

        async def always(*_args: Any, **_kwargs: Any) -> bool:
            raise RetryAfter(0)

        await limiter.process_request(always, (), {}, "sendMessage", {"chat_id": 1}, None)


async def test_replies_to_one_chat_are_a_second_apart_edits_are_not(engine: Engine) -> None:
    """Ten messages from one person get ten replies, none refused for flooding the chat."""
    limiter = BudgetRateLimiter(SharedBudget(engine, {"telegram": RATE}))
    sent: list[tuple[str, float]] = []

    async def call(endpoint: str) -> bool:
        async def record(*_args: Any, **_kwargs: Any) -> bool:
            sent.append((endpoint, time.monotonic()))
            return True

        return bool(await limiter.process_request(record, (), {}, endpoint, {"chat_id": 7}, None))

    await asyncio.gather(call("sendMessage"), call("editMessageText"), call("sendMessage"))
    messages = [t for endpoint, t in sent if endpoint == "sendMessage"]
    edits = [t for endpoint, t in sent if endpoint == "editMessageText"]
    assert len(messages) == 2 and messages[1] - messages[0] >= 0.95
    assert edits and edits[0] - min(messages) < 0.5


async def test_a_chats_gap_is_kept_as_messages_leave_not_as_they_were_booked(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first reply waits longer for the overall budget than the second: booked a second
    apart, they would leave 0.6 s apart, and Telegram counts what arrives."""
    budget = SharedBudget(engine, {"telegram": RATE})
    limiter = BudgetRateLimiter(budget)
    waits = [0.4, 0.0]

    async def slow_then_quick(*_args: Any, **_kwargs: Any) -> None:
        await asyncio.sleep(waits.pop(0))

    monkeypatch.setattr(budget, "turn", slow_then_quick)
    sent: list[float] = []

    async def record(*_args: Any, **_kwargs: Any) -> bool:
        sent.append(time.monotonic())
        return True

    async def reply() -> object:
        return await limiter.process_request(record, (), {}, "sendMessage", {"chat_id": 9}, None)

    await asyncio.gather(reply(), reply())
    assert len(sent) == 2 and sent[1] - sent[0] >= 0.99


async def test_a_turn_woken_late_is_given_back_not_sent_crowded(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process starved while its turn fell due would send right before the next turn,
    which someone else holds: it books another instead."""
    slow = 5.0  # turns a second: the next turn is surely still ahead when it is booked
    first, second = (
        SharedBudget(engine, {"telegram": slow}, horizon=timedelta(seconds=1)),
        SharedBudget(engine, {"telegram": slow}, horizon=timedelta(seconds=1)),
    )
    await first.turn("telegram")  # the schedule's next moment is now a turn away
    real_sleep = asyncio.sleep
    overslept: list[float] = []

    async def starved(seconds: float) -> None:
        if not overslept:  # the first wake-up comes two turns late
            overslept.append(seconds)
            seconds += 2 / slow
        await real_sleep(seconds)

    monkeypatch.setattr(asyncio, "sleep", starved)
    await second.turn("telegram")
    assert overslept and second.given_back == 1
    assert first.given_back == 0


async def test_turns_booked_before_a_429_wait_for_its_end(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # five turns a second: the next turn is surely still ahead when it is booked
    budget = SharedBudget(engine, {"telegram": 5.0}, horizon=timedelta(seconds=1))
    await budget.turn("telegram")
    real_sleep = asyncio.sleep
    paused: list[datetime] = []

    async def meanwhile_a_429(seconds: float) -> None:
        if not paused:  # another send of this process hears "retry after" while we wait
            await budget.pause("telegram", 0.3)
            paused.append(utcnow() + timedelta(seconds=0.25))
        await real_sleep(seconds)

    monkeypatch.setattr(asyncio, "sleep", meanwhile_a_429)
    await budget.turn("telegram")
    assert paused and budget.given_back == 1
    assert utcnow() >= paused[0], "the turn booked before the pause was not taken"


def test_bookings_made_at_once_never_share_a_moment(engine: Engine) -> None:
    """Eight processes' worth of bookings at the same instant, each its own transaction:
    every one gets its own moment, one interval after another, none lost or doubled."""
    start = utcnow()
    interval = timedelta(seconds=1)

    def book(count: int) -> list[datetime]:
        moments = []
        for _ in range(count):
            with session_scope(engine) as session:
                moment = reserve(session, "telegram", interval, None, now=start)
                assert moment is not None
                moments.append(moment)
        return moments

    with ThreadPoolExecutor(max_workers=8) as pool:
        booked = [m for ms in pool.map(book, [15] * 8) for m in ms]
    assert sorted(booked) == [start + n * interval for n in range(120)]
