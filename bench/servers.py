"""Servers under benchmark: started as their own processes, watched, and summarised.

Shared by the webhook benchmarks (Telegram, Slack): each compares our `alliancebot web` with a
bare framework app, both as uvicorn subprocesses on 127.0.0.1, so both pay the same process and
HTTP costs.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT = 60.0


def listen_overflows() -> int | None:
    """The kernel's count of connections dropped on a full listen queue (Linux), or None."""
    try:
        rows = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in itertools.pairwise(rows):
        if names.startswith("TcpExt:") and values.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=True))
            return int(table.get("ListenOverflows", 0))
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(name: str, args: list[str], env: dict[str, str], port: int) -> Server:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SLACK_", "TELEGRAM_", "DATABASE_URL", "PORT"))
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115  (closed with the run)
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env={**inherited, "PYTHONPATH": str(ROOT), "PORT": str(port), **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    return Server(name, port, process, log)


def wait_healthy(server: Server) -> bool:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return True
        time.sleep(0.1)
    return False


def line(name: str, value: object, unit: str = "") -> None:
    print(f"{name:<46} {value!s:>12} {unit}".rstrip())


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f}"


def ratio(ours: float, baseline: float) -> str:
    return f"{ours / baseline:.2f}×" if baseline else "-"


def log_summary(server: Server, path: str) -> None:
    """Warnings, errors and non-200 access lines in a server's own output."""
    text = server.output()
    rows = text.splitlines()
    access = Counter(
        row.rsplit('" ', 1)[1].split(" ", 1)[0]
        for row in rows
        if f"{path} HTTP" in row and '" ' in row
    )
    problems = Counter(
        row[:120]
        for row in rows
        if row.startswith(("WARNING", "ERROR", "CRITICAL", "Traceback")) or "Error" in row[:40]
    )
    line(f"{server.name}: answers on {path} (access log)", dict(sorted(access.items())))
    line(f"{server.name}: exit code", server.process.returncode)
    for row, count in problems.most_common(8):
        print(f"    {count}× {row}")
