"""Procedural surface textures shared by the background and the distractors."""

from __future__ import annotations

import math

import numpy as np

from training.synth.randomness import triangle, uniform, upsample_bilinear

FLAT, STRIPES, CHECKER, NOISE = 0, 1, 2, 3


def pixel_grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates of a square frame: x, y float32 [size, size]."""
    coords = np.arange(size, dtype=np.float32)
    return np.meshgrid(coords, coords)


def sample_colour(rng: np.random.Generator, low: float = 20.0, high: float = 235.0) -> np.ndarray:
    """A random RGB colour, float32 [3]."""
    return rng.uniform(low, high, size=3).astype(np.float32)


def texture(rng: np.random.Generator, grid_x: np.ndarray, grid_y: np.ndarray, size: int) -> np.ndarray:
    """A random multiplicative texture around 1 (flat, stripes, checker or blotchy noise).

    Always draws the same number of values from `rng`, whatever kind it picks.

    Returns:
        float32 [H, W].
    """
    kind = int(rng.integers(0, 4))
    period = uniform(rng, (0.03, 0.15)) * size
    angle = uniform(rng, (0.0, math.pi))
    amp = uniform(rng, (0.1, 0.35))
    blotches = rng.standard_normal((5, 5)).astype(np.float32)
    if kind == FLAT:
        return np.ones_like(grid_x)
    ca, sa = math.cos(angle), math.sin(angle)
    t1 = (grid_x * np.float32(ca) + grid_y * np.float32(sa)) * np.float32(1 / period)
    if kind == STRIPES:
        return 1 + np.float32(amp) * (triangle(t1) - np.float32(0.5)) * 2
    if kind == CHECKER:
        t2 = (grid_y * np.float32(ca) - grid_x * np.float32(sa)) * np.float32(1 / period)
        cells = (np.floor(t1) + np.floor(t2)) % 2
        return 1 + np.float32(amp) * (cells.astype(np.float32) - np.float32(0.5)) * 2
    noise = upsample_bilinear(blotches, *grid_x.shape)
    return 1 + np.float32(amp * 0.6) * np.clip(noise, -2, 2)
