"""Partner calendars from files and web addresses: the core's `CalendarFetcher`, for real.

The core may not open files or connections (it stays testable and platform-free), so the
processes that run its jobs (the clock, the CLI, the demo) hand it a `CalendarFeed` through
a `JobEdge`. Network and file problems become `CalendarError` with a sentence an operator
can act on; whether the bytes are a calendar is the core's business.

A feed reads a run's calendars together: files at once, web addresses concurrently (a few at
a time, `FETCH_CONCURRENCY`), each within `FETCH_TIMEOUT` and all of them within
`FETCH_BUDGET`, so a slow or silent server costs the run at most the budget, and the other
partners' calendars still arrive. A web request carries the validators of the last good
import (`If-None-Match`, `If-Modified-Since`), and an unchanged calendar comes back as a 304
without a body. Files are always read in full: reading one takes milliseconds, and a
modification time can miss a rewrite within its resolution, or go back with a restored copy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from bot.core.agenda import (
    MAX_BYTES,
    CalendarAnswer,
    CalendarError,
    CalendarRequest,
    Fetched,
    NotModified,
    Validators,
)
from bot.core.jobs import JobEdge

FETCH_TIMEOUT = 10.0  # seconds one calendar may take, from its first byte sent to its last read
FETCH_BUDGET = 60.0  # seconds all the calendars of one run may take together
FETCH_CONCURRENCY = 8  # web calendars on their way at once (a few servers, politely)
MAX_VALIDATOR = 512  # characters; a longer ETag or date is not kept (the next read is in full)

_T = TypeVar("_T")


@dataclass(frozen=True)
class CalendarFeed:
    """Reads calendars for the core: `feed(requests)` answers every request.

    Equal requests are read once. A file path is relative to `base_dir` when it is not
    absolute (the alliance file's sources are stored absolute)."""

    timeout: float = FETCH_TIMEOUT
    budget: float = FETCH_BUDGET
    concurrency: int = FETCH_CONCURRENCY
    base_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.budget <= 0 or self.concurrency < 1:
            raise ValueError(
                "A calendar feed needs a positive timeout and budget and a concurrency of at "
                f"least 1 (got {self.timeout}, {self.budget}, {self.concurrency})."
            )

    def __call__(
        self, requests: Sequence[CalendarRequest]
    ) -> dict[CalendarRequest, CalendarAnswer]:
        answers: dict[CalendarRequest, CalendarAnswer] = {}
        web: list[tuple[CalendarRequest, str]] = []
        for request in dict.fromkeys(requests):
            try:
                where = _locate(request.source, self.base_dir)
                if isinstance(where, str):
                    web.append((request, where))
                else:
                    answers[request] = Fetched(_read_file(where, request.source))
            except CalendarError as error:
                answers[request] = error
        if web:
            answers.update(_run(self._fetch_all(web)))
        return answers

    async def _fetch_all(
        self, web: list[tuple[CalendarRequest, str]]
    ) -> dict[CalendarRequest, CalendarAnswer]:
        deadline = asyncio.get_running_loop().time() + self.budget
        limit = asyncio.Semaphore(self.concurrency)
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=True) as client:
            found = await asyncio.gather(
                *(self._fetch_one(client, limit, deadline, r, url) for r, url in web)
            )
        return {request: answer for (request, _), answer in zip(web, found, strict=True)}

    async def _fetch_one(
        self,
        client: httpx.AsyncClient,
        limit: asyncio.Semaphore,
        deadline: float,
        request: CalendarRequest,
        url: str,
    ) -> CalendarAnswer:
        """One download in its turn, cut off at its own timeout or at the run's budget."""
        try:
            async with asyncio.timeout_at(deadline):
                await limit.acquire()
        except TimeoutError:
            return _late(url, self.budget)
        ends = min(deadline, asyncio.get_running_loop().time() + self.timeout)
        try:
            async with asyncio.timeout_at(ends):
                return await _download(client, url, request.validators, self.timeout)
        except TimeoutError:
            if ends == deadline:
                return _late(url, self.budget)
            return _unreachable(url, f"it did not arrive within {self.timeout:g} seconds")
        finally:
            limit.release()


def fetch_calendar(source: str, base_dir: Path | None = None) -> Fetched:
    """One calendar read in full (an import by hand), with the validators to keep."""
    request = CalendarRequest(source)
    answer = CalendarFeed(base_dir=base_dir)([request])[request]
    if isinstance(answer, CalendarError):
        raise answer
    if isinstance(answer, NotModified):  # only ever the answer to validators, sent none
        raise CalendarError(f"The calendar at {source} answered 'not modified' to a full read.")
    return answer


def read_calendar(source: str, base_dir: Path | None = None) -> bytes:
    """The bytes of a calendar: a file (relative to `base_dir`) or an http(s)/webcal URL."""
    return fetch_calendar(source, base_dir).data


def job_edge() -> JobEdge:
    """The outside world the clock's jobs use when they run for real."""
    return JobEdge(calendars=CalendarFeed())


def _locate(source: str, base_dir: Path | None) -> str | Path:
    """The web address (webcal:// as https://) or the file a source names."""
    address = source.strip()
    lowered = address.lower()
    if lowered.startswith("webcal://"):
        return "https://" + address[len("webcal://") :]  # the scheme calendar apps subscribe with
    if lowered.startswith(("http://", "https://")):
        return address
    if "://" in lowered:
        raise CalendarError(
            f"The calendar address {source} is not supported: use an https:// (or webcal://) "
            "address or a file path."
        )
    path = Path(source)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return path


def _read_file(path: Path, source: str) -> bytes:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CalendarError(_too_large(source))
        return path.read_bytes()
    except FileNotFoundError:
        raise CalendarError(
            f"The calendar file {path} does not exist. Check the agenda setting of the partner "
            "in the alliance file."
        ) from None
    except OSError as exc:
        raise CalendarError(
            f"The calendar file {path} could not be read ({exc.strerror or exc}). Check that "
            "it is a readable file."
        ) from None


async def _download(
    client: httpx.AsyncClient, url: str, known: Validators, timeout: float
) -> CalendarAnswer:
    """Stream, so that a feed far over the size limit is refused without being held whole."""
    headers = {}
    if known.etag:
        headers["If-None-Match"] = known.etag
    if known.last_modified:
        headers["If-Modified-Since"] = known.last_modified
    try:
        async with client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304 and headers:
                return NotModified()
            if response.status_code >= 300:
                return CalendarError(
                    f"The calendar at {url} could not be fetched: the server answered "
                    f"{response.status_code} {response.reason_phrase}. Check the address, and "
                    "that the calendar is published (shared publicly or with a secret link)."
                )
            return Fetched(await _body(response, url), _validators(response))
    except CalendarError as error:
        return error
    except httpx.TimeoutException:
        reason = f"the server did not answer within {timeout:g} seconds"
    except httpx.ConnectError:
        reason = "the server could not be reached"
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        reason = "the address is not a valid web address"
    except httpx.HTTPError as exc:
        reason = f"a network error occurred ({exc})"
    return _unreachable(url, reason)


async def _body(response: httpx.Response, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BYTES:
            raise CalendarError(_too_large(url))
        chunks.append(chunk)
    return b"".join(chunks)


def _validators(response: httpx.Response) -> Validators:
    """The response's ETag and Last-Modified, as the server wrote them, if of sane length."""

    def kept(name: str) -> str | None:
        value = response.headers.get(name, "").strip()
        return value if 0 < len(value) <= MAX_VALIDATOR else None

    return Validators(etag=kept("ETag"), last_modified=kept("Last-Modified"))


def _run(work: Coroutine[Any, Any, _T]) -> _T:
    """Run the fetches to the end: here, or in a thread of their own when this thread
    already runs an event loop (a job started from async code)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def _unreachable(url: str, reason: str) -> CalendarError:
    return CalendarError(
        f"The calendar at {url} could not be fetched: {reason}. Check the address and the "
        "network, then try again."
    )


def _late(url: str, budget: float) -> CalendarError:
    return CalendarError(
        f"The calendar at {url} could not be fetched: it had not arrived when the "
        f"{budget:g} seconds this run allows for all calendars were up. It keeps its last "
        "import; the next run tries again."
    )


def _too_large(source: str) -> str:
    return (
        f"The calendar at {source} is too large (over {MAX_BYTES // 1024 // 1024} MB). Publish "
        "or export a shorter period, for example from last month onwards."
    )
