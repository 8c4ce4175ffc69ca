"""Seeding helpers: every random draw of the generator comes from numpy Generators derived here.

Only IEEE basic arithmetic is applied per pixel elsewhere in the package (no vectorised
transcendental functions, whose SIMD variants differ between CPUs), and per-frame
trigonometry goes through Python's `math`, so a seed renders the same clip on any machine
with the same numpy version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

_MAX_SEED = 2**63 - 1


def key_rng(seed: int, *key: int) -> np.random.Generator:
    """A Generator seeded from `(seed, *key)` through a SeedSequence.

    Args:
        seed: the dataset seed (non-negative).
        *key: non-negative integers naming the item (e.g. kind, label, index).

    Raises:
        ValueError: for a negative seed or key.
    """
    parts = [int(seed), *(int(k) for k in key)]
    if any(p < 0 for p in parts):
        raise ValueError(f"seed and key must be non-negative, got {parts}")
    return np.random.default_rng(np.random.SeedSequence(parts))


def child_rngs(rng: np.random.Generator, n: int) -> list[np.random.Generator]:
    """Splits `rng` into `n` independent Generators (one draw from `rng`).

    Independent streams let, e.g., the RGB noise of a clip stay the same whatever the depth
    stream draws.
    """
    base = int(rng.integers(0, _MAX_SEED, dtype=np.int64))
    return [np.random.default_rng(np.random.SeedSequence([base, k])) for k in range(n)]


def uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    """One float drawn uniformly from `bounds` = (low, high)."""
    return float(rng.uniform(bounds[0], bounds[1]))


def sin(values: Iterable[float] | np.ndarray) -> np.ndarray:
    """Element-wise sine through `math.sin` (for short per-frame arrays), float64."""
    return np.array([math.sin(float(v)) for v in np.ravel(values)], dtype=np.float64)


def cos(values: Iterable[float] | np.ndarray) -> np.ndarray:
    """Element-wise cosine through `math.cos` (for short per-frame arrays), float64."""
    return np.array([math.cos(float(v)) for v in np.ravel(values)], dtype=np.float64)


def triangle(t: np.ndarray) -> np.ndarray:
    """Periodic triangle wave of period 1 with values in [0, 1] (0 at integers).

    Args:
        t: any array; returned with the same shape and dtype.
    """
    frac = t - np.floor(t)
    return 1 - np.abs(2 * frac - 1)


def thin_lines(t: np.ndarray, width: float) -> np.ndarray:
    """1 on lines at integer `t`, falling linearly to 0 at distance `width` (period 1).

    Args:
        t: any array; the result has its shape and dtype.
        width: half width of a line in units of the period (0 < width <= 0.5).
    """
    dist = 0.5 * triangle(t)  # distance to the nearest integer, in [0, 0.5]
    return np.clip(1 - dist / width, 0, 1)


def upsample_bilinear(small: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear upsampling of a small grid with basic arithmetic only.

    Args:
        small: [h, w] or [h, w, C] array.
        height, width: output size.

    Returns:
        float32 [height, width] or [height, width, C].
    """
    small = np.asarray(small, dtype=np.float32)
    h, w = small.shape[:2]
    ys = (np.arange(height, dtype=np.float32) + 0.5) * (h / height) - 0.5
    xs = (np.arange(width, dtype=np.float32) + 0.5) * (w / width) - 0.5
    ys = np.clip(ys, 0, h - 1)
    xs = np.clip(xs, 0, w - 1)
    y0 = np.minimum(np.floor(ys).astype(np.int64), max(h - 2, 0))
    x0 = np.minimum(np.floor(xs).astype(np.int64), max(w - 2, 0))
    y1 = np.minimum(y0 + 1, h - 1)
    x1 = np.minimum(x0 + 1, w - 1)
    fy = (ys - y0).astype(np.float32)
    fx = (xs - x0).astype(np.float32)
    if small.ndim == 3:
        fy = fy[:, None, None]
        fx = fx[None, :, None]
    else:
        fy = fy[:, None]
        fx = fx[None, :]
    top = small[y0][:, x0] * (1 - fx) + small[y0][:, x1] * fx
    bottom = small[y1][:, x0] * (1 - fx) + small[y1][:, x1] * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def smooth_noise(rng: np.random.Generator, n: int, window: int = 7) -> np.ndarray:
    """A smooth random sequence of length `n` with unit standard deviation (float64).

    White noise averaged over a moving window (basic arithmetic only).
    """
    white = rng.standard_normal(n + window - 1)
    csum = np.concatenate([[0.0], np.cumsum(white)])
    avg = (csum[window:] - csum[:-window]) / window
    return avg * math.sqrt(window)
