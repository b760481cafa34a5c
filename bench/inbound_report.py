"""What a burst of the inbound benchmark came to, printed as lines, tables and targets."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.inbound_client import Pass
from bench.inbound_fixture import Stored
from bench.inbound_load import Replies
from bench.servers import line, ms
from bench.timing import Figure

OURS = "alliancebot web"
TARGET_WEBHOOK_P99 = 2.0  # s, Telegram taps
TARGET_ACK_P99 = 1.0  # s, Slack slash commands


@dataclass(frozen=True)
class Outcome:
    database: str
    platform: str
    workload: str
    server: str
    passed: Pass
    replies: Replies
    stored: Stored | None  # ours only: what the database holds afterwards
    expected: int  # distinct updates (requests) in the burst
    handled_after: float  # s from the last 200 … until ours' inbox had no pending row
    server_cpu: float = math.nan  # s of the server's CPU, burst and replies
    bench_cpu: float = math.nan  # s of this process's CPU meanwhile (client and fake)
    overflows: int | None = None  # connections the host's listen queues dropped meanwhile
    calls: tuple[tuple[str, int], ...] = ()  # every call the fake answered meanwhile, by method

    @property
    def ours(self) -> bool:
        return self.stored is not None

    @property
    def lost(self) -> int:
        return self.expected - self.stored.people if self.stored else 0

    @property
    def duplicated(self) -> tuple[int, int]:
        """Effects beyond one per person (or text), inbox rows beyond one per update."""
        if self.stored is None:
            return 0, 0
        return self.stored.rows - self.stored.people, self.stored.inbox - self.stored.keys

    @property
    def replies_after(self) -> float:
        return self.replies.done_after(self.passed.started)


def _s(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds:.1f} s"


def report(o: Outcome) -> None:
    p, r = o.passed, o.replies
    print(f"\n### {o.database} · {o.platform} {o.workload} · {o.server}")
    line("requests posted (distinct updates)", f"{p.posted} ({o.expected})")
    line("responses by status", dict(sorted(p.statuses.items())))
    line("re-posted after a non-200", p.retries)
    line("latency p50 / p99 / max", f"{ms(p.p50)} / {ms(p.p99)} / {ms(max(p.latencies))}", "ms")
    line("first request to last 200", f"{p.wall:.2f}", "s")
    line("answered 200 a second", f"{p.rate:.1f}")
    if o.stored is not None:
        s = o.stored
        line("stored (people or texts) / expected", f"{s.people} / {o.expected}")
        line("lost", o.lost)
        line("duplicated: effects, inbox rows", "{}, {}".format(*o.duplicated))
        line("inbox rows (keys) by status", f"{s.inbox} ({s.keys}) {dict(s.statuses)}")
        line("inbox empty after the last 200", _s(o.handled_after))
    line("replies complete / duplicated", f"{r.complete} / {r.duplicated} of {r.expected}")
    line("every reply through after", _s(o.replies_after))
    line("reply calls by method", dict(r.counts))
    line("reply calls refused (429)", r.refused)
    line("all calls the fake answered 200", dict(o.calls))
    line("CPU: server / client and fake", f"{o.server_cpu:.2f} / {o.bench_cpu:.2f}", "s")
    line("listen-queue overflows on this host", o.overflows, "(target 0)")


def _bare(outcomes: list[Outcome], o: Outcome) -> list[Outcome]:
    return [
        b
        for b in outcomes
        if (b.database, b.platform, b.workload) == (o.database, o.platform, o.workload)
        and not b.ours
    ]


def _ours(outcomes: list[Outcome], o: Outcome) -> Outcome | None:
    return next(
        (
            b
            for b in outcomes
            if (b.database, b.platform, b.workload) == (o.database, o.platform, o.workload)
            and b.ours
        ),
        None,
    )


def _row(outcomes: list[Outcome], o: Outcome) -> str:
    p, r = o.passed, o.replies
    if o.stored is not None:
        stored = f"{o.stored.people} / {o.expected}"
        lost, dup = str(o.lost), "{} / {}".format(*o.duplicated)
        versus = "-"
    else:
        stored, lost, dup = "n/a", "n/a", "n/a"
        ours = _ours(outcomes, o)
        versus = (
            f"{ours.passed.p50 / p.p50:.2f}× / {ours.passed.p99 / p.p99:.2f}×"
            if ours and p.p50 and p.p99
            else "-"
        )
    return (
        f"| {o.database} | {o.workload} | {o.server} | {p.posted} | {ms(p.p50)} / {ms(p.p99)} |"
        f" {p.rate:.1f} | {p.non_200} ({p.retries}) | {stored} | {lost} | {dup} |"
        f" {r.complete} / {r.duplicated} | {_s(o.replies_after)} | {r.refused} | {versus} |"
    )


def tables(outcomes: list[Outcome]) -> None:
    for platform in ("Telegram", "Slack"):
        rows = [o for o in outcomes if o.platform == platform]
        if not rows:
            continue
        print(
            f"\n| {platform}: database | workload | server | requests | p50 / p99 ms"
            " | 200s a second | non-200 (re-posted) | stored / expected | lost"
            " | duplicated (effects / inbox rows) | replies complete / duplicated"
            " | every reply through | 429s | ours ÷ this, p50 / p99 |"
        )
        print("|---" * 14 + "|")
        for o in rows:
            print(_row(outcomes, o))
    targets(outcomes)


def _yes(met: bool) -> str:
    return "met" if met else "**missed**"


def targets(outcomes: list[Outcome]) -> None:
    print()
    for o in (o for o in outcomes if o.ours):
        where = f"{o.database} · {o.platform} {o.workload}"
        clean = o.lost == 0 and o.duplicated == (0, 0)
        once = o.replies.complete == o.expected and o.replies.duplicated == 0
        if o.platform == "Telegram" and o.workload == "pulse taps":
            met = clean and o.passed.p99 < TARGET_WEBHOOK_P99
            print(
                f"{where}: 0 lost, 0 duplicated, p99 < {TARGET_WEBHOOK_P99:g} s:"
                f" {_yes(met)} (lost {o.lost}, duplicated {o.duplicated},"
                f" p99 {ms(o.passed.p99)} ms)"
            )
        elif o.platform == "Telegram":
            print(f"{where}: exactly {o.expected} stored: {_yes(clean)} ({o.stored})")
        elif o.workload == "button presses":
            print(
                f"{where}: 0 lost, 0 duplicated, each response_url used once:"
                f" {_yes(clean and once)} (lost {o.lost}, duplicated {o.duplicated},"
                f" replies {o.replies.complete} once / {o.replies.duplicated} twice)"
            )
        else:
            met = once and o.passed.p99 < TARGET_ACK_P99
            print(
                f"{where}: ack p99 < {TARGET_ACK_P99:g} s, every reply once: {_yes(met)}"
                f" (p99 {ms(o.passed.p99)} ms, replies {o.replies.complete}"
                f" / {o.replies.duplicated} duplicated of {o.expected})"
            )


def figures(outcomes: list[Outcome]) -> list[Figure]:
    """Ours against the first bare app (no limiter) of the same burst."""
    found = []
    for o in (o for o in outcomes if o.ours):
        bare = _bare(outcomes, o)
        if not bare:
            continue
        name = f"{o.database} {o.platform} {o.workload}"
        base = bare[0].passed
        found.append(Figure(f"{name}: p50", o.passed.p50, base.p50, "per request"))
        found.append(Figure(f"{name}: p99", o.passed.p99, base.p99, "per request"))
    return found
