"""The fan-out benchmark's printout: a section per case, then a Markdown table to paste."""

from __future__ import annotations

import math
from collections import Counter

from bench.fanout_case import FULL_SPEED, INSTANT, LIMIT, WINDOW, Case
from bench.inbound_client import nearest_rank

TARGETS = {"instant": 0.95, "50 ms": 0.93, "150 ± 100 ms": 0.9}


def line(name: str, value: object, unit: str = "") -> None:
    print(f"{name:<46} {value!s:>12} {unit}".rstrip())


def percentiles(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{nearest_rank(values, 0.5) * 1e3:.0f} / {nearest_rank(values, 0.99) * 1e3:.0f}"


def report(case: Case) -> None:
    print(f"\n### {case.name}  (load average {case.load})")
    line("deliveries planned", case.n)
    line("fan-out messages accepted by the fake", len(case.chats))
    line("distinct chats reached", case.distinct, f"(missing {case.n - case.distinct})")
    line("duplicates (same chat twice)", case.duplicates)
    line("first to last message", f"{case.span:.1f}", "s")
    line("rate, first to last message", f"{case.rate:.2f}", "msg/s")
    target = TARGETS.get(case.round_trip.label, 0.0)
    line(f"fraction of the fake's {LIMIT} msg/s", f"{case.fraction:.3f}", f"(target ≥ {target})")
    line("rate from launch (start-up included)", f"{case.launched_rate:.2f}", "msg/s")
    line("steady rate, middle 80% of messages", f"{case.steady_rate():.2f}", "msg/s")
    line("most messages in any 1 s window", case.busiest_second(), f"(fake allows {LIMIT})")
    line("429 answers (worker and web)", case.too_many)
    if case.too_many_at:
        offsets = " ".join(f"{at - case.started:.1f}" for at in case.too_many_at[:12])
        line("429s: seconds after launch", offsets)
    line("msg/s per 10 s window (last: partial)", " ".join(f"{r:.1f}" for r in case.timeline()))
    if case.times:
        line("launch to first message", f"{case.times[0] - case.started:.2f}", "s")
    line("rows by status", ", ".join(f"{k}: {v}" for k, v in sorted(case.statuses.items())))
    if len(case.sent_by_worker) > 1:
        line("rows marked sent per worker", " / ".join(map(str, case.sent_by_worker)))
    kill_lines(case)
    tap_lines(case)
    worker_lines(case)


def kill_lines(case: Case) -> None:
    if case.kill is None:
        return
    kill = case.kill
    line("killed after", f"{kill.killed_at - case.started:.1f}", "s")
    line("new worker started after the kill", f"{kill.restarted_at - kill.killed_at:.2f}", "s")
    line("duplicates / in-flight bound", f"{case.duplicates} / {kill.in_flight}")
    line(
        f"restart to end of first {WINDOW:g} s window at {FULL_SPEED:g} × {LIMIT}/s",
        f"{case.full_speed_after(kill.restarted_at):.1f}",
        "s (target ≤ 10)",
    )
    slowest = case.slowest_window(kill.killed_at, kill.restarted_at + 10)
    line("slowest 2 s window, kill to restart + 10 s", f"{slowest:.1f}", "msg/s")


def tap_lines(case: Case) -> None:
    taps = case.taps
    if taps is None:
        return
    line("taps posted (taps a second)", f"{taps.posted} ({taps.rate:g}/s)")
    line("webhook answers", dict(sorted(taps.statuses.items())))
    line("taps with every reply through", f"{taps.complete} / {taps.posted}")
    line("webhook answered, p50 / p99", percentiles(taps.webhook), "ms")
    line("button answered, p50 / p99", percentiles(taps.answered), "ms")
    line("every reply through, p50 / p99", percentiles(taps.replied), "ms (target p99 < 1 s)")


def worker_lines(case: Case) -> None:
    for number, run in enumerate(case.workers, 1):
        label = f"worker {number}" + (" (killed)" if run.killed else "")
        line(f"{label}: peak RSS", f"{run.max_rss_mib:.1f}", "MiB")
        line(f"{label}: exit code, wall time", f"{run.exit_code}, {run.seconds:.1f} s")
        line(f"{label}: CPU time", f"{run.cpu:.1f}", "s")
        if not run.killed:
            line(f"{label}: its own count", run.log.splitlines()[-1] if run.log else "-")
        warnings = Counter(
            row.split(":", 2)[1] if ":" in row else row
            for row in run.log.splitlines()
            if row.startswith(("WARNING", "ERROR"))
        )
        if warnings:
            line(f"{label}: log warnings", dict(warnings))
        if run.exit_code not in (0, -9):
            print(run.log[-2000:])
    line("warm-up: one worker sending 30, peak RSS", f"{case.warmup_rss_mib:.1f}", "MiB")


def baseline(case: Case, cases: list[Case]) -> Case | None:
    """The same run's instant-fake case with the same database and workers."""
    for other in cases:
        same = other.database == case.database and len(other.workers) == len(case.workers)
        if same and other.round_trip == INSTANT and other.kill is None and other.taps is None:
            return other
    return None


def table(cases: list[Case]) -> None:
    print(
        "\n| case | load | reached / N | msg/s | fraction of 30/s | instant fake, same run"
        " | 429s | duplicates | full speed after restart | taps p50 / p99 (all replies)"
        " | worker peak RSS (warm-up) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for case in cases:
        base = baseline(case, cases)
        speed = case.full_speed_after(case.kill.restarted_at) if case.kill else math.nan
        rss = " + ".join(f"{r.max_rss_mib:.0f}" for r in case.workers if not r.killed)
        dups = f"{case.duplicates} (bound {case.kill.in_flight})" if case.kill else case.duplicates
        warmup = "-" if math.isnan(case.warmup_rss_mib) else f"{case.warmup_rss_mib:.0f} MiB"
        print(
            f"| {case.name} | {case.load} | {case.distinct:,} / {case.n:,} | {case.rate:.2f}"
            f" | **{case.fraction:.3f}** | {f'{base.fraction:.3f}' if base else '-'}"
            f" | {case.too_many} | {dups} | {'-' if math.isnan(speed) else f'{speed:.1f} s'}"
            f" | {percentiles(case.taps.replied) + ' ms' if case.taps else '-'}"
            f" | {rss} MiB ({warmup}) |"
        )
