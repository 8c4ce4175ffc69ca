"""The hand model: its identity (size, shape, skin) and its silhouette as a label mask.

A hand is a palm ellipse plus five finger capsules (four fingers on the top edge of the palm,
a thumb on one side). Hand-local coordinates: `u` points to the hand's right and `v` down
towards the wrist, in pixels; the fingers point to negative `v`. A pose rotates the hand by
`angle` radians (clockwise on screen, as cv2 does) about the palm centre.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.randomness import uniform

PALM = 1
FINGER = 2
THUMB = 3

_FINGER_X = (-0.62, -0.21, 0.21, 0.62)
"""Where the four fingers sit along the palm width, as a fraction of the half width."""
_SHIFT = 3  # fractional bits of the cv2 drawing coordinates
_SKIN_LIGHT = np.array([236.0, 200.0, 178.0])
_SKIN_DARK = np.array([96.0, 62.0, 46.0])


@dataclass(frozen=True)
class HandIdentity:
    """What stays fixed about one hand through a clip or a stream.

    Attributes:
        palm_a: half width of the palm ellipse, px.
        palm_b: half height of the palm ellipse, px.
        finger_len: length of the middle finger when spread, px.
        finger_rel: lengths of the four fingers relative to the middle one (index to little
            from the thumb side).
        finger_width: finger thickness, px.
        thumb_side: +1 when the thumb is on the hand's right (+u), -1 on its left.
        palm_rgb: colour of the palm side (light, smooth), float RGB 0..255.
        back_rgb: colour of the back side (darker, textured), float RGB 0..255.
        hatch_period: period of the back-side hatch texture, px.
        hatch_angle: orientation of the hatch in hand coordinates, radians.
        hatch_strength: how much the hatch lines darken the back (0..1).
        knuckle_strength: how much the knuckle lines darken the back (0..1).
        shade: strength of the linear shading across the hand.
        shade_dir: (du, dv) unit direction of that shading in hand coordinates.
        relief_mm: how far the palm centre bulges towards the camera, mm.
        sweep_dir: +1 when a flip sweeps from the hand's left to its right, else -1.
    """

    palm_a: float
    palm_b: float
    finger_len: float
    finger_rel: tuple[float, float, float, float]
    finger_width: float
    thumb_side: int
    palm_rgb: tuple[float, float, float]
    back_rgb: tuple[float, float, float]
    hatch_period: float
    hatch_angle: float
    hatch_strength: float
    knuckle_strength: float
    shade: float
    shade_dir: tuple[float, float]
    relief_mm: float
    sweep_dir: int

    @property
    def reach(self) -> float:
        """Radius around the palm centre that holds the whole hand, px."""
        return self.palm_b * 0.8 + self.finger_len + self.finger_width


def sample_hand_identity(rng: np.random.Generator, size: int) -> HandIdentity:
    """Draws a random hand for frames of `size` x `size` pixels.

    The palm is 14-26 % of the frame wide; skin tones range from light to dark; the palm side
    is always clearly lighter than the back side.
    """
    palm_a = size * uniform(rng, (0.07, 0.13))
    palm_b = palm_a * uniform(rng, (1.05, 1.25))
    finger_len = 2 * palm_b * uniform(rng, (0.72, 0.9))
    rel = (
        uniform(rng, (0.85, 0.95)),
        1.0,
        uniform(rng, (0.88, 0.97)),
        uniform(rng, (0.68, 0.8)),
    )
    finger_width = 2 * palm_a / uniform(rng, (4.0, 4.8))
    thumb_side = 1 if rng.random() < 0.5 else -1
    tone = uniform(rng, (0.0, 1.0))
    skin = _SKIN_LIGHT * (1 - tone) + _SKIN_DARK * tone
    skin = skin * rng.uniform(0.93, 1.07, size=3)
    palm = skin + (255.0 - skin) * uniform(rng, (0.15, 0.32))
    back = skin * uniform(rng, (0.5, 0.62))
    hatch_period = max(3.5, uniform(rng, (4.0, 6.0)) * size / 128)
    hatch_angle = uniform(rng, (0.0, math.pi))
    shade_angle = uniform(rng, (0.0, 2 * math.pi))
    return HandIdentity(
        palm_a=palm_a,
        palm_b=palm_b,
        finger_len=finger_len,
        finger_rel=rel,
        finger_width=finger_width,
        thumb_side=thumb_side,
        palm_rgb=tuple(float(c) for c in np.clip(palm, 0, 255)),  # type: ignore[arg-type]
        back_rgb=tuple(float(c) for c in np.clip(back, 0, 255)),  # type: ignore[arg-type]
        hatch_period=hatch_period,
        hatch_angle=hatch_angle,
        hatch_strength=uniform(rng, (0.25, 0.4)),
        knuckle_strength=uniform(rng, (0.3, 0.45)),
        shade=uniform(rng, (0.05, 0.15)),
        shade_dir=(math.cos(shade_angle), math.sin(shade_angle)),
        relief_mm=uniform(rng, (5.0, 12.0)),
        sweep_dir=1 if rng.random() < 0.5 else -1,
    )


def finger_segments(
    hand: HandIdentity, openness: float
) -> list[tuple[tuple[float, float], tuple[float, float], float, int]]:
    """The five finger capsules in hand coordinates for an openness in [0, 1].

    A fist (0) has short knuckle stubs and a folded thumb; a spread palm (1) has long,
    slightly fanned fingers.

    Returns:
        (base (u, v), tip (u, v), thickness, part label) per finger, thumb last.
    """
    o = min(max(openness, 0.0), 1.0)
    a, b = hand.palm_a, hand.palm_b
    grow = 0.15 + 0.85 * o
    spread = math.radians(2.0 + 13.0 * o)
    out = []
    for k, xk in enumerate(_FINGER_X):
        base = (xk * a, -0.8 * b * math.sqrt(1 - xk * xk))
        phi = (k - 1.5) * spread
        length = hand.finger_len * hand.finger_rel[k] * grow
        tip = (base[0] + length * math.sin(phi), base[1] - length * math.cos(phi))
        out.append((base, tip, hand.finger_width, FINGER))
    side = hand.thumb_side
    base = (side * 0.78 * a, 0.15 * b)
    phi = side * math.radians(20.0 + 45.0 * o)
    length = 0.62 * hand.finger_len * (0.4 + 0.6 * o)
    tip = (base[0] + length * math.sin(phi), base[1] - length * math.cos(phi))
    out.append((base, tip, hand.finger_width * 1.15, THUMB))
    return out


def _to_image(
    point: tuple[float, float], x: float, y: float, cos_a: float, sin_a: float, scale: int
) -> tuple[int, int]:
    u, v = point
    px = x + u * cos_a - v * sin_a
    py = y + u * sin_a + v * cos_a
    return _fixed(px, scale), _fixed(py, scale)


def _fixed(coord: float, scale: int) -> int:
    """Output-pixel coordinate (integers are pixel centres) -> supersampled fixed point."""
    return int(round((coord * scale + (scale - 1) / 2) * (1 << _SHIFT)))


def draw_hand_labels(
    hand: HandIdentity,
    x: float,
    y: float,
    angle: float,
    openness: float,
    size: int,
    supersample: int = 2,
) -> np.ndarray:
    """Rasterises the hand into a part-label image.

    Args:
        hand: the hand identity.
        x, y: palm centre in pixels of the output frame (integers are pixel centres).
        angle: rotation of the hand, radians (clockwise on screen).
        openness: 0 fist .. 1 spread palm.
        size: output frame size (square).
        supersample: rasterisation factor; the image is `size * supersample` wide.

    Returns:
        uint8 [size*supersample, size*supersample] with 0 background, PALM, FINGER, THUMB.
    """
    n = size * supersample
    labels = np.zeros((n, n), dtype=np.uint8)
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    for base, tip, width, part in finger_segments(hand, openness):
        p0 = _to_image(base, x, y, cos_a, sin_a, supersample)
        p1 = _to_image(tip, x, y, cos_a, sin_a, supersample)
        thick = max(1, int(round(width * supersample)))
        cv2.line(labels, p0, p1, part, thick, cv2.LINE_8, _SHIFT)
    mult = supersample * (1 << _SHIFT)
    centre = (_fixed(x, supersample), _fixed(y, supersample))
    axes = (int(round(hand.palm_a * mult)), int(round(hand.palm_b * mult)))
    cv2.ellipse(labels, centre, axes, math.degrees(angle), 0, 360, PALM, -1, cv2.LINE_8, _SHIFT)
    return labels


def coverage(labels: np.ndarray, supersample: int) -> tuple[np.ndarray, np.ndarray]:
    """Reduces a supersampled label image to the output resolution.

    Args:
        labels: uint8 [n*s, n*s] part labels from `draw_hand_labels`.
        supersample: s.

    Returns:
        alpha float32 [n, n] (fraction of the pixel covered by the hand) and part uint8
        [n, n] (the largest part label inside the pixel: fingers win over the palm).
    """
    s = supersample
    covered = np.zeros(labels[::s, ::s].shape, dtype=np.uint16)
    part = np.zeros(covered.shape, dtype=np.uint8)
    for dy in range(s):
        for dx in range(s):
            sub = labels[dy::s, dx::s]
            covered += sub > 0
            np.maximum(part, sub, out=part)
    alpha = covered.astype(np.float32) * np.float32(1.0 / (s * s))
    return alpha, part
