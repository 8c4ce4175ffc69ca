"""Multi-rate temporal sampling: n frames (or tokens) to a fixed count by segments."""

from __future__ import annotations

import torch


def segment_bounds(n: int, count: int) -> list[tuple[int, int]]:
    """Segment i of `count` over n items: [lo, hi) with lo = int(n*i/count),
    hi = max(lo + 1, int(n*(i+1)/count)). Indices repeat when n < count."""
    bounds = []
    for i in range(count):
        lo = int(n * i / count)
        hi = max(lo + 1, int(n * (i + 1) / count))
        bounds.append((lo, hi))
    return bounds


def eval_indices(n: int, count: int) -> list[int]:
    """Evaluation sampling: the (truncated) mean index of each segment."""
    return [int(sum(range(lo, hi)) / (hi - lo)) for lo, hi in segment_bounds(n, count)]


def random_indices(n: int, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Training sampling: one uniformly random index inside each segment -> [count] int64."""
    lo, hi = zip(*segment_bounds(n, count))
    lo_t = torch.tensor(lo)
    span = torch.tensor(hi) - lo_t
    u = torch.rand(count, generator=generator)
    return lo_t + (u * span).long().clamp(max=span - 1)
