"""The far side of the inbound benchmark: fakes that note when each call reached them, and
which of a burst's requests got their replies.

The fakes are `tests.fakes`' Bot API and Slack Web API (response_url included) with a round
trip: each answer takes `ROUND_TRIP` ± `JITTER` seconds, in its own thread, so calls overlap
as they do against the real APIs. Every call is noted with the moment the fake answered it,
which gives the time until the last reply of a burst was through.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.slack_api import FakeSlackApi, SlackRules
from tests.fakes.telegram_api import FakeBotApi, Rules, multipart_fields

ROUND_TRIP = 0.050  # s, each fake's answer …
JITTER = 0.020  # … give or take this much
RESPOND = "/respond/"  # what a call to a response_url is noted as (its number in `_n`)


# ------------------------------------------------------------------------- the fakes --
@dataclass(frozen=True)
class Call:
    at: float  # time.perf_counter() when the fake answered
    method: str  # a Bot API or Web API method, or `RESPOND` (a response_url)
    params: dict[str, Any]
    status: int


class TimedBotApi(FakeBotApi):
    """The fake Bot API, also noting every call with the moment it was answered."""

    def __init__(self, rules: Rules) -> None:
        super().__init__(rules)
        self.log: list[Call] = []

    def handle(
        self, path: str, params: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, body, extra = super().handle(path, params, headers)
        if "_raw" in params:
            params = multipart_fields(params["_raw"], params["_content_type"])
        with self.lock:
            self.log.append(Call(time.perf_counter(), path.rpartition("/")[2], params, status))
        return status, body, extra

    def since(self, mark: int) -> list[Call]:
        with self.lock:
            return self.log[mark:]


class TimedSlackApi(FakeSlackApi):
    """The fake Web API and response_url, also noting every call as it was answered."""

    def __init__(self, rules: SlackRules) -> None:
        super().__init__(rules)
        self.log: list[Call] = []

    def handle(
        self, path: str, params: dict[str, Any], headers: Any
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        status, body, extra = super().handle(path, params, headers)
        method = path.removeprefix("/api/")
        if path.startswith("/respond/"):  # noted as one method, with the url's number
            method, params = RESPOND, {**params, "_n": path.removeprefix(RESPOND)}
        with self.lock:
            self.log.append(Call(time.perf_counter(), method, params, status))
        return status, body, extra

    def since(self, mark: int) -> list[Call]:
        with self.lock:
            return self.log[mark:]


def telegram_fake() -> TimedBotApi:
    """Telegram's flood control (30 messages a second, one a second per chat) and a round trip."""
    return TimedBotApi(Rules(per_second=30, per_chat_interval=1.0, delay=ROUND_TRIP, jitter=JITTER))


def slack_fake() -> TimedSlackApi:
    return TimedSlackApi(SlackRules(delay=ROUND_TRIP, jitter=JITTER))


# ------------------------------------------------------------------------ the replies --
@dataclass(frozen=True)
class Replies:
    """Replies to a burst's requests as the fake saw them (successful calls only)."""

    expected: int  # requests that should each get their replies
    complete: int  # … that got every reply expected
    duplicated: int  # … that got some reply more than once
    last: float  # perf_counter of the last reply to arrive (nan: none)
    refused: int = 0  # calls the fake refused (429 flood control)
    counts: tuple[tuple[str, int], ...] = ()  # successful calls by method

    def done_after(self, started: float) -> float:
        """Seconds from the first request until every reply was through (nan if not all)."""
        return self.last - started if self.complete == self.expected else math.nan


Target = Callable[[Call], str | None]  # which request a call answers (None: not ours)


def replies(calls: list[Call], targets: list[str], expect: dict[str, Target]) -> Replies:
    """For each target (a request), the replies `expect` names: method -> how to tell which
    request a call of that method answers. Complete: each method once or more; duplicated:
    some method more than once."""
    seen: Counter[tuple[str, str]] = Counter()
    last = math.nan
    refused = 0
    methods: Counter[str] = Counter()
    wanted = set(targets)
    for call in calls:
        pick = expect.get(call.method)
        target = pick(call) if pick else None
        if target not in wanted:
            continue
        if call.status != 200:
            refused += 1
            continue
        seen[(call.method, target)] += 1
        methods[call.method] += 1
        last = call.at if math.isnan(last) else max(last, call.at)
    complete = sum(1 for t in targets if all(seen[(m, t)] for m in expect))
    duplicated = sum(1 for t in targets if any(seen[(m, t)] > 1 for m in expect))
    return Replies(
        len(targets), complete, duplicated, last, refused, tuple(sorted(methods.items()))
    )


def by_param(name: str) -> Target:
    return lambda call: str(call.params.get(name, "")) or None
