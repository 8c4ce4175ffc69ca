"""Timing helpers shared by the benchmarks: one definition of a median time and of latency
percentiles, so every table in BENCHMARKS.md measures the same way."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence

import numpy as np


def median_ms(fn: Callable[[], object], repeats: int, warmup: int = 1) -> float:
    """Median wall time of `fn()` in milliseconds over `repeats` calls, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def p50_p99(latencies_ms: Sequence[float]) -> tuple[float, float]:
    """The 50th and 99th percentiles (linear interpolation); NaN for no samples."""
    if not latencies_ms:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(latencies_ms, dtype=np.float64), (50, 99))
    return float(p50), float(p99)
