"""The static part of a scene: a cluttered, textured background and its depth.

RGB: a colour gradient, blotchy low-frequency colour noise, 6-16 random shapes (rectangles,
discs, ellipses, triangles, thick lines) with flat, striped, checkered or blotchy textures,
and fine grain. Depth: a plane at 1.25-2.9 m with a slight gradient, plus some shapes that
are objects standing in front of it (still at least 1.25 m away).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.constants import BACKGROUND_DEPTH_MM
from training.synth.randomness import uniform, upsample_bilinear
from training.synth.scene.patterns import pixel_grid, sample_colour, texture

_DEPTH_MARGIN_MM = 50.0  # keeps noisy depth inside BACKGROUND_DEPTH_MM


@dataclass(frozen=True)
class Background:
    """A static background.

    Attributes:
        rgb: float32 [H, W, 3], RGB 0..255, unlit.
        depth: float32 [H, W], millimetres.
        plane_mm: mean depth of the back plane, mm.
    """

    rgb: np.ndarray
    depth: np.ndarray
    plane_mm: float

    @property
    def near_mm(self) -> float:
        """The nearest background depth, mm."""
        return float(self.depth.min())


def depth_limits() -> tuple[float, float]:
    """Noise-free background depths are drawn inside these bounds, mm."""
    return BACKGROUND_DEPTH_MM[0] + _DEPTH_MARGIN_MM, BACKGROUND_DEPTH_MM[1] - 2 * _DEPTH_MARGIN_MM


def _shape_mask(rng: np.random.Generator, size: int) -> np.ndarray:
    """A random filled shape as a uint8 [size, size] 0/1 mask (fixed number of draws)."""
    kind = int(rng.integers(0, 5))
    cx, cy = rng.uniform(-0.1, 1.1, size=2) * size
    ext = rng.uniform(0.06, 0.35, size=2) * size
    angle = uniform(rng, (0.0, 180.0))
    pts = rng.uniform(-0.1, 1.1, size=(3, 2)) * size
    thick = int(round(uniform(rng, (0.01, 0.05)) * size)) + 1
    mask = np.zeros((size, size), dtype=np.uint8)
    if kind == 0:  # rotated rectangle
        box = cv2.boxPoints(((float(cx), float(cy)), (float(ext[0] * 2), float(ext[1] * 2)), angle))
        cv2.fillConvexPoly(mask, np.round(box).astype(np.int32), 1)
    elif kind == 1:  # disc
        cv2.circle(mask, (int(cx), int(cy)), int(ext[0]), 1, -1)
    elif kind == 2:  # ellipse
        cv2.ellipse(mask, (int(cx), int(cy)), (int(ext[0]), int(ext[1])), angle, 0, 360, 1, -1)
    elif kind == 3:  # triangle
        cv2.fillConvexPoly(mask, np.round(pts).astype(np.int32), 1)
    else:  # thick line
        p0 = (int(pts[0, 0]), int(pts[0, 1]))
        p1 = (int(pts[1, 0]), int(pts[1, 1]))
        cv2.line(mask, p0, p1, 1, thick)
    return mask


def sample_background(rng: np.random.Generator, size: int) -> Background:
    """Draws a random cluttered background for `size` x `size` frames."""
    gx, gy = pixel_grid(size)
    near, far = depth_limits()

    # colour gradient
    c1, c2 = sample_colour(rng), sample_colour(rng)
    angle = uniform(rng, (0.0, 2 * math.pi))
    proj = (gx * np.float32(math.cos(angle)) + gy * np.float32(math.sin(angle))) / np.float32(size)
    proj = np.clip(proj - proj.min(), 0, None)
    proj = proj / max(float(proj.max()), 1e-6)
    rgb = c1 * (1 - proj[..., None]) + c2 * proj[..., None]
    # blotchy colour noise
    cells = int(rng.integers(3, 9))
    blotch = rng.normal(0.0, uniform(rng, (10.0, 30.0)), size=(cells, cells, 3))
    rgb = rgb + upsample_bilinear(blotch, size, size)

    # back plane with a slight gradient
    plane = uniform(rng, (near + 250.0, far - 150.0))
    slope = rng.uniform(-150.0, 150.0, size=2) / size
    depth = plane + (gx - size / 2) * np.float32(slope[0]) + (gy - size / 2) * np.float32(slope[1])
    depth = np.clip(depth, near, far).astype(np.float32)

    # clutter: shapes with textures; some are objects in front of the plane
    for _ in range(int(rng.integers(6, 17))):
        mask = _shape_mask(rng, size).astype(bool)
        colour = sample_colour(rng)
        tex = texture(rng, gx, gy, size)
        is_object = rng.random() < 0.35
        obj_depth = uniform(rng, (near, max(near + 1.0, plane - 150.0)))
        rgb[mask] = colour[None, :] * tex[mask][:, None]
        if is_object:
            depth[mask] = obj_depth

    grain = rng.normal(0.0, uniform(rng, (2.0, 6.0)), size=(size, size, 3))
    rgb = np.clip(rgb + grain, 0, 255).astype(np.float32)
    return Background(rgb=rgb, depth=depth.astype(np.float32), plane_mm=float(plane))
