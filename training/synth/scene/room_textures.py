"""Procedural surface textures of the v2 scenes: small RGB tiles that surfaces look up.

Every texture is a float32 [T, T, 3] albedo tile (0..255) built once per recording from a
Generator with basic arithmetic only (periodic bilinear noise, triangle waves, grids), so
it renders identically on every CPU. Tiles that repeat (wood, tiles, fabric, wallpaper,
carpet, books) are periodic; pictures (posters, windows, screens, doors) are stretched over
their surface. Each builder draws the same number of values whatever it draws.
"""

from __future__ import annotations

import numpy as np

from training.synth.randomness import triangle, uniform

TILE = 64
"""Side of every texture tile, texels."""


def _grid() -> tuple[np.ndarray, np.ndarray]:
    c = np.arange(TILE, dtype=np.float32) + np.float32(0.5)
    return np.meshgrid(c / TILE, c / TILE)  # u (across), v (down), in [0, 1)


def periodic_noise(rng: np.random.Generator, cells: int) -> np.ndarray:
    """Smooth noise that tiles seamlessly: float32 [T, T], about unit standard deviation.

    Args:
        rng: draws cells * cells normals.
        cells: noise cells across the tile (1 .. T).
    """
    grid = rng.standard_normal((cells, cells)).astype(np.float32)
    s = (np.arange(TILE, dtype=np.float32) + np.float32(0.5)) * np.float32(cells / TILE) - np.float32(0.5)
    i0 = np.floor(s).astype(np.int64)
    f = (s - i0).astype(np.float32)
    i0 %= cells
    i1 = (i0 + 1) % cells
    rows0, rows1 = grid[i0], grid[i1]  # [T, cells]
    col = rows0 * (1 - f[:, None]) + rows1 * f[:, None]
    return (col[:, i0] * (1 - f[None, :]) + col[:, i1] * f[None, :]).astype(np.float32)


def _colour(rng: np.random.Generator, low: float, high: float, sat: float) -> np.ndarray:
    """A colour with brightness in [low, high] and saturation up to `sat` (float32 [3])."""
    base = uniform(rng, (low, high))
    tint = rng.uniform(-1.0, 1.0, size=3) * sat
    return np.clip(base * (1 + tint), 0, 255).astype(np.float32)


def paint(rng: np.random.Generator, low: float = 90, high: float = 240, sat: float = 0.25) -> np.ndarray:
    """A painted or plastered surface: one colour, faint blotches."""
    c = _colour(rng, low, high, sat)
    n = periodic_noise(rng, 4) * np.float32(uniform(rng, (0.01, 0.05)))
    return c * (1 + n)[..., None]


def wallpaper(rng: np.random.Generator) -> np.ndarray:
    """Wallpaper: two colours in stripes, a diamond lattice or dots, with faint noise."""
    u, v = _grid()
    c1, c2 = _colour(rng, 110, 235, 0.3), _colour(rng, 90, 230, 0.35)
    kind = int(rng.integers(0, 3))
    reps = int(rng.integers(2, 7))
    noise = periodic_noise(rng, 8) * np.float32(0.03)
    if kind == 0:
        m = (triangle(u * reps) > 0.5).astype(np.float32)
    elif kind == 1:
        m = ((triangle(u * reps + v * reps) + triangle(u * reps - v * reps)) > 1.2).astype(np.float32)
    else:
        du, dv = triangle(u * reps) - 1, triangle(v * reps) - 1
        m = (du * du + dv * dv < 0.2).astype(np.float32)
    return (c1 * (1 - m)[..., None] + c2 * m[..., None]) * (1 + noise)[..., None]


def wood(rng: np.random.Generator, low: float = 60, high: float = 190) -> np.ndarray:
    """Wooden boards along u: per-board tone, grain streaks, dark joints."""
    u, v = _grid()
    c = _colour(rng, low, high, 0.0) * np.array([1.0, 0.72, 0.45], np.float32)
    boards = int(rng.integers(2, 6))
    tones = rng.uniform(0.8, 1.15, size=boards).astype(np.float32)
    board = np.minimum((v * boards).astype(np.int64), boards - 1)
    grain = periodic_noise(rng, 16)
    streak = triangle(v * boards * 6 + grain * np.float32(0.3)) * np.float32(0.15)
    joint = 1 - 0.5 * (triangle(v * boards) < 0.06).astype(np.float32)
    return c * (tones[board] * (1 - streak + 0.07) * joint)[..., None]


def tiles(rng: np.random.Generator) -> np.ndarray:
    """Ceramic or ceiling tiles: a grid with grout lines and per-tile shade."""
    u, v = _grid()
    c = _colour(rng, 120, 240, 0.2)
    grout = _colour(rng, 60, 200, 0.05)
    reps = int(rng.integers(1, 5))
    shade = rng.uniform(0.9, 1.08, size=(4, 4)).astype(np.float32)
    iu = np.minimum((u * reps).astype(np.int64), reps - 1)
    iv = np.minimum((v * reps).astype(np.int64), reps - 1)
    line = ((triangle(u * reps) < 0.07) | (triangle(v * reps) < 0.07)).astype(np.float32)[..., None]
    return c * shade[iv % 4, iu % 4][..., None] * (1 - line) + grout * line


def fabric(rng: np.random.Generator, low: float = 40, high: float = 200) -> np.ndarray:
    """Upholstery or carpet: one colour, fine weave and mottling."""
    u, v = _grid()
    c = _colour(rng, low, high, 0.45)
    fine = periodic_noise(rng, 32) * np.float32(uniform(rng, (0.04, 0.12)))
    mottle = periodic_noise(rng, 4) * np.float32(0.05)
    weave = (triangle(u * 32) + triangle(v * 32)) * np.float32(0.04)
    return c * (1 + fine + mottle + weave)[..., None]


def books(rng: np.random.Generator) -> np.ndarray:
    """A shelf of books (one shelf per tile height): coloured spines, gaps, a shelf board."""
    u, v = _grid()
    n = 16
    spine = rng.uniform(20, 220, size=(n, 3)).astype(np.float32)
    height = rng.uniform(0.45, 0.85, size=n).astype(np.float32)
    edges = np.cumsum(rng.uniform(0.5, 1.5, size=n))
    edges = (edges / edges[-1]).astype(np.float32)
    board = _colour(rng, 70, 200, 0.1)
    idx = np.minimum(np.searchsorted(edges, u[0]), n - 1)  # [T] spine per column
    col = spine[idx][None, :, :] * np.ones((TILE, 1, 1), np.float32)
    top = np.float32(0.9) - height[idx][None, :]
    back = board * np.float32(0.35)
    out = np.where((v < top)[..., None], back, col)
    return np.where((v > 0.9)[..., None], board, out).astype(np.float32)


def picture(rng: np.random.Generator) -> np.ndarray:
    """A poster or painting: a coloured ground with blocks, discs and bands."""
    u, v = _grid()
    out = np.ones((TILE, TILE, 3), np.float32) * _colour(rng, 30, 240, 0.6)
    shapes = rng.uniform(0, 1, size=(6, 5)).astype(np.float32)
    colours = rng.uniform(10, 250, size=(6, 3)).astype(np.float32)
    for (cx, cy, rx, ry, kind), c in zip(shapes, colours):
        rx, ry = 0.05 + 0.3 * rx, 0.05 + 0.3 * ry
        du, dv = (u - cx) / rx, (v - cy) / ry
        m = (du * du + dv * dv < 1) if kind < 0.5 else (np.abs(du) < 1) & (np.abs(dv) < 1)
        out[m] = c
    border = (u < 0.04) | (u > 0.96) | (v < 0.04) | (v > 0.96)
    out[border] = _colour(rng, 10, 240, 0.1)
    return out


def outdoors(rng: np.random.Generator) -> np.ndarray:
    """The view through a window (radiance 0..255, scaled up by the window's gain): sky,
    a skyline or trees, window bars."""
    u, v = _grid()
    sky_top, sky_low = _colour(rng, 170, 255, 0.15), _colour(rng, 200, 255, 0.08)
    out = sky_top * (1 - v)[..., None] + sky_low * v[..., None]
    skyline = np.float32(uniform(rng, (0.45, 0.9))) + periodic_noise(rng, 6)[0] * np.float32(0.08)
    ground = _colour(rng, 60, 170, 0.3)
    out = np.where((v > skyline[None, :])[..., None], ground, out)
    bars = int(rng.integers(0, 3))
    bar = ((triangle(u * bars) < 0.05) & (bars > 0)) | (u < 0.03) | (u > 0.97) | (v < 0.03) | (v > 0.97)
    bar |= (np.abs(v - 0.5) < 0.02) & bool(rng.integers(0, 2))
    return np.where(bar[..., None], np.float32(35), out).astype(np.float32)


def screen(rng: np.random.Generator) -> np.ndarray:
    """Screen content (scrolled over time): windows, text lines and pictures."""
    u, v = _grid()
    out = np.ones((TILE, TILE, 3), np.float32) * _colour(rng, 20, 230, 0.4)
    boxes = rng.uniform(0, 1, size=(5, 4)).astype(np.float32)
    colours = rng.uniform(0, 255, size=(5, 3)).astype(np.float32)
    for (x0, y0, w, h), c in zip(boxes, colours):
        m = (u > x0) & (u < x0 + 0.2 + 0.5 * w) & (v > y0) & (v < y0 + 0.1 + 0.4 * h)
        out[m] = c
    text = (triangle(v * 24) > 0.6) & (triangle(u * 3 + v * 7) > 0.3)
    dark = bool(rng.integers(0, 2))
    out[text] = out[text] * np.float32(0.35 if not dark else 1.8)
    return np.clip(out, 0, 255)


def keyboard(rng: np.random.Generator) -> np.ndarray:
    """Keys on a keyboard (stretched over its top): a dark or light grid of keys."""
    u, v = _grid()
    body = _colour(rng, 15, 200, 0.05)
    key = body * np.float32(uniform(rng, (0.6, 1.4)))
    gaps = (triangle(u * 15) < 0.25) | (triangle(v * 6) < 0.25)
    return np.where(gaps[..., None], body * np.float32(0.7), key).astype(np.float32)


def door(rng: np.random.Generator) -> np.ndarray:
    """A door leaf (stretched): painted or wooden, with panels and a handle."""
    u, v = _grid()
    base = wood(rng) if bool(rng.integers(0, 2)) else paint(rng, 60, 240)
    panel = ((np.abs(u - 0.5) < 0.35) & (((v > 0.08) & (v < 0.45)) | ((v > 0.55) & (v < 0.92)))).astype(np.float32)
    edge = panel - ((np.abs(u - 0.5) < 0.32) & (((v > 0.1) & (v < 0.43)) | ((v > 0.57) & (v < 0.9))))
    out = base * (1 - 0.2 * edge)[..., None]
    handle = (np.abs(u - 0.88) < 0.03) & (np.abs(v - 0.5) < 0.03)
    return np.where(handle[..., None], np.float32(180), out).astype(np.float32)


def plastic(rng: np.random.Generator, low: float = 15, high: float = 90) -> np.ndarray:
    """Dark moulded plastic (car dashboards, devices): near-flat, a fine grain."""
    c = _colour(rng, low, high, 0.08)
    n = periodic_noise(rng, 32) * np.float32(0.05)
    return c * (1 + n)[..., None]
