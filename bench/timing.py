"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    median_s: float
    baseline_s: float
    unit: str = "per call"

    @property
    def ratio(self) -> float:
        return self.median_s / self.baseline_s if self.baseline_s else float("inf")

    def line(self) -> str:
        return (
            f"{self.name:<48} {self.median_s * 1e3:9.3f} ms {self.unit:<10}"
            f" baseline {self.baseline_s * 1e3:8.3f} ms  ratio {self.ratio:6.1f}x"
        )


def median_time(action: Callable[[], object], repeat: int = 7, number: int = 20) -> float:
    """Median over `repeat` rounds of the mean time of `number` calls."""
    action()  # warm caches: templates, catalogs, statement cache
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            action()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds)
