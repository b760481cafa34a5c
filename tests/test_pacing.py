"""The pacer keeps under the platforms' limits, and close to them, on a simulated clock."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from bot import pacing
from bot.pacing import Limits, Pacer


class SimulatedTime:
    """A clock that only moves when someone sleeps; sleeps overshoot like real ones do."""

    def __init__(self, overshoot: float = 0.0) -> None:
        self.now = 0.0
        self.overshoot = overshoot

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.overshoot


def _send_times(
    monkeypatch: pytest.MonkeyPatch, pacer: Pacer, time: SimulatedTime, chats: list[str]
) -> list[float]:
    monkeypatch.setattr(pacing.asyncio, "sleep", time.sleep)
    sent: list[float] = []

    async def go() -> None:
        for chat in chats:
            await pacer.wait(chat)
            sent.append(time.now)

    asyncio.run(go())
    return sent


def _most_in_any_second(times: list[float]) -> int:
    return max(sum(1 for t in times if start <= t < start + 1.0) for start in times)


@pytest.mark.parametrize("overshoot", [0.0, 0.001, 0.004])
def test_overall_rate_stays_under_and_close_to_the_limit(
    monkeypatch: pytest.MonkeyPatch, overshoot: float
) -> None:
    time = SimulatedTime(overshoot)
    pacer = Pacer(Limits(29, 1.0, 3.0), clock=time.clock)
    times = _send_times(monkeypatch, pacer, time, [str(i) for i in range(600)])
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert _most_in_any_second(times) <= 30
    assert rate >= 0.99 * 29, "late wake-ups must not slow the whole fan-out down"


def test_one_message_a_second_per_chat_and_twenty_a_minute_per_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    time = SimulatedTime()
    pacer = Pacer(Limits(29, 1.0, 3.0), clock=time.clock)
    times = _send_times(monkeypatch, pacer, time, ["42"] * 5 + ["-100"] * 21)
    private, group = times[:5], times[5:]
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(private))
    assert sum(1 for t in group if t < group[0] + 60.0) <= 20


def test_workers_share_the_overall_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    time = SimulatedTime()
    pacer = Pacer(Limits(30, 1.0, 3.0), share=lambda: 2, clock=time.clock)
    times = _send_times(monkeypatch, pacer, time, [str(i) for i in range(100)])
    assert (len(times) - 1) / (times[-1] - times[0]) == pytest.approx(15.0)


def test_a_429_pauses_everything_for_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    time = SimulatedTime()
    pacer = Pacer(Limits(30, 1.0, 3.0), clock=time.clock)
    pacer.pause(5.0)
    times = _send_times(monkeypatch, pacer, time, ["1", "2"])
    assert times[0] >= 5.0
