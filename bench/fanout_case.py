"""What one fan-out case measured, and the figures drawn from it.

Times are `time.monotonic()` in the benchmark's process: the fake Bot API notes each message
it accepted at that clock, and the benchmark notes when it launched, killed and restarted
workers at the same clock, so "seconds after the restart" is one subtraction.
"""

from __future__ import annotations

import bisect
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.telegram_api import FakeBotApi, Rules, SentMessage

LIMIT = 30  # the fake's overall limit, msg/s: the baseline every rate is a fraction of
FULL_SPEED = 0.9  # "full speed again": a sliding window at this fraction of the limit
WINDOW = 2.0  # seconds of that sliding window


class RecordingBotApi(FakeBotApi):
    """The fake, also noting when it answered 429 (to see where in the run they fell)."""

    def __init__(self, rules: Rules | None = None) -> None:
        super().__init__(rules)
        self.too_many_at: list[float] = []

    def _send(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        answer = super()._send(method, params)
        if answer[0] == 429:
            self.too_many_at.append(time.monotonic())
        return answer


@dataclass(frozen=True)
class RoundTrip:
    """The fake's answer time: `delay` seconds, give or take `jitter` (uniformly)."""

    delay: float = 0.0
    jitter: float = 0.0

    @property
    def label(self) -> str:
        if not self.delay and not self.jitter:
            return "instant"
        ms = f"{self.delay * 1e3:.0f}"
        return f"{ms} ± {self.jitter * 1e3:.0f} ms" if self.jitter else f"{ms} ms"

    def rules(self) -> Rules:
        return Rules(per_second=LIMIT, per_chat_interval=1.0, delay=self.delay, jitter=self.jitter)


INSTANT = RoundTrip()


@dataclass
class WorkerRun:
    exit_code: int
    max_rss_mib: float
    seconds: float
    log: str  # stdout and stderr together
    killed: bool = False
    cpu: float = 0.0  # seconds of CPU it used (user and system)


@dataclass
class Kill:
    """A worker killed with SIGKILL mid-fan-out and a new one started in its place."""

    killed_at: float
    restarted_at: float
    in_flight: int  # the bound on duplicates: sends that may have been on their way


@dataclass
class Taps:
    """Taps on the round's buttons, posted to the web process while the round fans out.
    Times in seconds from each tap's post: its webhook answered, its button answered
    (`answerCallbackQuery` reached the fake), every reply through (the edit and the
    message below it, which take turns from the send budget)."""

    posted: int
    rate: float  # taps a second, as posted
    webhook: list[float]
    answered: list[float]
    replied: list[float]
    complete: int  # taps whose every reply arrived
    statuses: dict[str, int]  # the webhook's answers


@dataclass
class Case:
    name: str
    database: str
    round_trip: RoundTrip
    n: int
    workers: list[WorkerRun]
    warmup_rss_mib: float
    chats: list[str]
    times: list[float]
    too_many: int
    too_many_at: list[float]
    started: float
    load: str  # the load average when the case began
    statuses: dict[str, int] = field(default_factory=dict)
    sent_by_worker: list[int] = field(default_factory=list)
    kill: Kill | None = None
    taps: Taps | None = None

    @property
    def distinct(self) -> int:
        return len(set(self.chats))

    @property
    def duplicates(self) -> int:
        return len(self.chats) - self.distinct

    @property
    def span(self) -> float:
        return self.times[-1] - self.times[0] if len(self.times) > 1 else 0.0

    @property
    def rate(self) -> float:
        """First message to last: the whole run, its ramp and tail included."""
        return (len(self.times) - 1) / self.span if self.span else 0.0

    @property
    def fraction(self) -> float:
        return self.rate / LIMIT

    @property
    def launched_rate(self) -> float:
        """From the workers' launch (Python's start-up included) to the last message."""
        return len(self.times) / (self.times[-1] - self.started) if self.times else 0.0

    def steady_rate(self) -> float:
        """The rate over the middle 80% of the messages (start-up and tail left out)."""
        if len(self.times) < 20:
            return self.rate
        low, high = len(self.times) // 10, len(self.times) - len(self.times) // 10 - 1
        return (high - low) / (self.times[high] - self.times[low])

    def timeline(self, window: float = 10.0) -> list[float]:
        """Messages per second in consecutive windows from the first message on."""
        if not self.times:
            return []
        counts = Counter(int((at - self.times[0]) // window) for at in self.times)
        last = max(counts)
        tail = self.span - last * window  # the last window is only partly used
        return [
            counts.get(i, 0) / (window if i < last or tail <= 0 else tail) for i in range(last + 1)
        ]

    def busiest_second(self) -> int:
        """The most messages the fake accepted in any one-second window."""
        best, start = 0, 0
        for end, at in enumerate(self.times):
            while at - self.times[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best

    def full_speed_after(self, moment: float) -> float:
        """Seconds from `moment` until the end of the first `WINDOW` of seconds wholly
        after it in which the fake accepted `FULL_SPEED` of the limit (nan: never). The
        window's own length is included: a survivor that never slowed scores `WINDOW`."""
        needed = math.ceil(FULL_SPEED * LIMIT * WINDOW)
        start = bisect.bisect_left(self.times, moment)
        for end in range(start, len(self.times)):
            at = self.times[end]
            while at - self.times[start] > WINDOW:
                start += 1
            if end - start + 1 >= needed:
                return max(at - moment, WINDOW)
        return math.nan

    def slowest_window(self, begin: float, end: float) -> float:
        """The lowest rate over a sliding `WINDOW` ending between `begin` and `end`."""
        lowest = math.inf
        start = stop = 0
        t = begin
        while t <= end:
            while start < len(self.times) and self.times[start] <= t - WINDOW:
                start += 1
            while stop < len(self.times) and self.times[stop] <= t:
                stop += 1
            lowest = min(lowest, (stop - start) / WINDOW)
            t += 0.1
        return lowest if lowest != math.inf else math.nan


def collect(
    name: str,
    database: str,
    round_trip: RoundTrip,
    api: RecordingBotApi,
    mine: Callable[[SentMessage], bool] = lambda _: True,
) -> Case:
    """The fan-out's messages as the fake accepted them (`mine`: the fan-out's, not the
    web process's replies); the workers and the database are filled in by the caller."""
    sent = sorted((m for m in api.sent if mine(m)), key=lambda m: m.at)
    return Case(
        name,
        database,
        round_trip,
        0,
        [],
        0.0,
        [m.chat_id for m in sent],
        [m.at for m in sent],
        api.too_many,
        list(api.too_many_at),
        0.0,
        "?",
    )


def load_average() -> str:
    """The 1-minute load average now (the machine is shared; rates depend on it)."""
    try:
        with open("/proc/loadavg") as averages:
            return averages.read().split()[0]
    except OSError:
        return "?"
