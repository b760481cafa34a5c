"""Partner calendars from files and web addresses: the core's `CalendarReader`, for real.

The core may not open files or connections (it stays testable and platform-free), so the
processes that run its jobs — the clock, the CLI, the demo — hand it `read_calendar`
through a `JobEdge`. Network and file problems become `CalendarError` with a sentence an
operator can act on; whether the bytes are a calendar is the core's business.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.core.agenda import MAX_BYTES, CalendarError
from bot.core.jobs import JobEdge

FETCH_TIMEOUT = 10.0  # seconds


def read_calendar(source: str, base_dir: Path | None = None) -> bytes:
    """The bytes of a calendar: a file (relative to `base_dir`) or an http(s)/webcal URL."""
    lowered = source.strip().lower()
    if lowered.startswith(("http://", "https://", "webcal://")):
        return _download(source.strip())
    if "://" in lowered:
        raise CalendarError(
            f"The calendar address {source} is not supported: use an https:// (or webcal://) "
            "address or a file path."
        )
    path = Path(source)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
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


def job_edge() -> JobEdge:
    """The outside world the clock's jobs use when they run for real."""
    return JobEdge(read_calendar=read_calendar)


def _download(url: str) -> bytes:
    """Stream, so that a feed far over the size limit is refused without being held whole."""
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]  # the scheme calendar apps subscribe with
    try:
        with (
            httpx.Client(timeout=FETCH_TIMEOUT, follow_redirects=True) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise CalendarError(
                    f"The calendar at {url} could not be fetched: the server answered "
                    f"{response.status_code} {response.reason_phrase}. Check the address, and "
                    "that the calendar is published (shared publicly or with a secret link)."
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise CalendarError(_too_large(url))
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException:
        reason = f"the server did not answer within {FETCH_TIMEOUT:.0f} seconds"
    except httpx.ConnectError:
        reason = "the server could not be reached"
    except (httpx.InvalidURL, httpx.UnsupportedProtocol):
        reason = "the address is not a valid web address"
    except httpx.HTTPError as exc:
        reason = f"a network error occurred ({exc})"
    raise CalendarError(
        f"The calendar at {url} could not be fetched: {reason}. Check the address and the "
        "network, then try again."
    )


def _too_large(source: str) -> str:
    return (
        f"The calendar at {source} is too large (over {MAX_BYTES // 1024 // 1024} MB). Publish "
        "or export a shorter period, for example from last month onwards."
    )
