"""Moving distractor objects in the background (at background depth, behind the hand)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.randomness import uniform
from training.synth.scene.patterns import sample_colour, texture


@dataclass(frozen=True)
class Distractor:
    """One object drifting slowly through the background, bouncing off the frame edges.

    Attributes:
        kind: 0 ellipse, 1 rotated rectangle.
        half: (half width, half height), px.
        colour: float32 [3] RGB.
        texture: float32 [H, W] multiplicative texture (fixed in the image).
        depth_mm: its depth, mm (a background depth).
        start: (x, y) at frame 0, px.
        velocity: (vx, vy), px per frame.
        angle0: rotation at frame 0, degrees; spin: degrees per frame.
    """

    kind: int
    half: tuple[float, float]
    colour: np.ndarray
    texture: np.ndarray
    depth_mm: float
    start: tuple[float, float]
    velocity: tuple[float, float]
    angle0: float
    spin: float

    def position(self, t: int, size: int) -> tuple[float, float]:
        """Centre at frame `t`: linear motion reflected into the frame."""
        return (
            _bounce(self.start[0] + self.velocity[0] * t, 0.0, float(size)),
            _bounce(self.start[1] + self.velocity[1] * t, 0.0, float(size)),
        )

    def mask(self, t: int, size: int) -> np.ndarray:
        """Where the object is at frame `t`: bool [size, size]."""
        x, y = self.position(t, size)
        angle = self.angle0 + self.spin * t
        mask = np.zeros((size, size), dtype=np.uint8)
        if self.kind == 0:
            centre = (int(round(x * 8)), int(round(y * 8)))
            axes = (int(round(self.half[0] * 8)), int(round(self.half[1] * 8)))
            cv2.ellipse(mask, centre, axes, angle, 0, 360, 1, -1, cv2.LINE_8, 3)
        else:
            box = cv2.boxPoints(((x, y), (2 * self.half[0], 2 * self.half[1]), angle))
            cv2.fillConvexPoly(mask, np.round(box * 8).astype(np.int32), 1, cv2.LINE_8, 3)
        return mask.astype(bool)


def _bounce(value: float, low: float, high: float) -> float:
    span = high - low
    q = math.fmod(value - low, 2 * span)
    if q < 0:
        q += 2 * span
    return low + span - abs(q - span)


def sample_distractors(
    rng: np.random.Generator,
    size: int,
    near_mm: float,
    plane_mm: float,
    grid_x: np.ndarray,
    grid_y: np.ndarray,
) -> list[Distractor]:
    """Draws 0-3 distractors (at least one in 80 % of scenes).

    Args:
        rng: random source.
        size: frame size.
        near_mm, plane_mm: the nearest allowed background depth and the back plane depth.
        grid_x, grid_y: float32 [H, W] pixel-centre coordinates.
    """
    count = int(rng.choice([0, 1, 2, 3], p=[0.2, 0.35, 0.3, 0.15]))
    out = []
    for _ in range(count):
        kind = int(rng.integers(0, 2))
        half = tuple(float(h) for h in rng.uniform(0.04, 0.11, size=2) * size)
        colour = sample_colour(rng)
        tex = texture(rng, grid_x, grid_y, size)
        depth = uniform(rng, (near_mm, max(near_mm + 1.0, plane_mm - 100.0)))
        start = tuple(float(s) for s in rng.uniform(0, size, size=2))
        speed = uniform(rng, (0.2, 0.8)) * size / 128
        heading = uniform(rng, (0.0, 2 * math.pi))
        angle0 = uniform(rng, (0.0, 180.0))
        spin = uniform(rng, (-1.0, 1.0))
        out.append(
            Distractor(
                kind=kind,
                half=half,  # type: ignore[arg-type]
                colour=colour,
                texture=tex,
                depth_mm=depth,
                start=start,  # type: ignore[arg-type]
                velocity=(speed * math.cos(heading), speed * math.sin(heading)),
                angle0=angle0,
                spin=spin,
            )
        )
    return out


def draw_distractors(rgb: np.ndarray, depth: np.ndarray, distractors: list[Distractor], t: int) -> None:
    """Paints the distractors of frame `t` into the frame in place.

    Args:
        rgb: float32 [H, W, 3] frame colour.
        depth: float32 [H, W] frame depth, mm.
        distractors: the scene's distractors.
        t: frame index.
    """
    size = rgb.shape[0]
    for item in distractors:
        mask = item.mask(t, size)
        rgb[mask] = item.colour[None, :] * item.texture[mask][:, None]
        depth[mask] = item.depth_mm
