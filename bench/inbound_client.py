"""The client of the inbound benchmark: posts as the platforms do, and times each attempt.

It speaks plain HTTP/1.1 over asyncio streams (keep-alive, at most one connection per
request in flight) rather than through httpx: at 200 requests in flight httpx's own work
per request, in the same process as the fakes, was a good part of what the latency showed.
Here a request is a few pre-built bytes; the time runs from before the connection is taken
(or opened) to the last byte of the response.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Request = tuple[bytes, dict[str, str]]  # body and headers
REQUEST_TIMEOUT = 60.0
MAX_ATTEMPTS = 60


@dataclass
class Pass:
    """One burst: every attempt's latency (request sent to response), statuses, retries."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    started: float = 0.0  # perf_counter when the first request went
    last_ok: float = 0.0  # perf_counter when the last 200 came
    posted: int = 0  # requests in the burst (redeliveries included, retries not)

    @property
    def wall(self) -> float:
        return max(0.0, self.last_ok - self.started)

    @property
    def rate(self) -> float:
        """Requests answered 200 a second, first request to last 200."""
        return self.statuses["200"] / self.wall if self.wall else math.nan

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) if self.latencies else math.nan

    @property
    def p99(self) -> float:
        return nearest_rank(self.latencies, 0.99)

    @property
    def non_200(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != "200")


def nearest_rank(values: list[float], p: float) -> float:
    """The smallest value at or above `p` of them."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Client:
    """Keep-alive connections to one server, reused by whoever posts next."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.idle: list[Connection] = []

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> int:
        """The response's status; the connection goes back for reuse unless it closed."""
        reader, writer = self.idle.pop() if self.idle else await self._open()
        try:
            lines = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
            lines += [f"{k}: {v}" for k, v in headers.items()]
            lines.append(f"Content-Length: {len(body)}")
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
            status, keep = await _response(reader)
        except BaseException:
            writer.close()
            raise
        if keep:
            self.idle.append((reader, writer))
        else:
            writer.close()
        return status

    async def _open(self) -> Connection:
        return await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        for _reader, writer in self.idle:
            writer.close()
        self.idle.clear()


async def _response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response whole; its status and whether the connection stays open."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in head[1:])}
    if fields.get("transfer-encoding", "").lower() == "chunked":
        while size := int((await reader.readline()).strip() or b"0", 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    else:
        await reader.readexactly(int(fields.get("content-length", "0")))
    return status, fields.get("connection", "").lower() != "close"


async def post_all(
    base_url: str,
    path: str,
    requests: list[Request],
    in_flight: int,
    retry_pause: float | None = None,
) -> Pass:
    """Post every request, at most `in_flight` at once; with `retry_pause`, like Telegram:
    anything but a 200 is posted again after that pause (until it is a 200)."""
    done = Pass(posted=len(requests))
    slots = asyncio.Semaphore(in_flight)
    client = Client(base_url)

    async def one(body: bytes, headers: dict[str, str]) -> None:
        for _attempt in range(MAX_ATTEMPTS):
            async with slots:
                start = time.perf_counter()
                try:
                    code = await asyncio.wait_for(client.post(path, body, headers), REQUEST_TIMEOUT)
                    status = str(code)
                    done.latencies.append(time.perf_counter() - start)
                except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as error:
                    status = type(error).__name__
            done.statuses[status] += 1
            if status == "200":
                done.last_ok = max(done.last_ok, time.perf_counter())
                return
            if retry_pause is None:
                return
            done.retries += 1
            await asyncio.sleep(retry_pause)

    done.started = time.perf_counter()
    try:
        await asyncio.gather(*(one(body, headers) for body, headers in requests))
    finally:
        with contextlib.suppress(Exception):
            client.close()
    return done
