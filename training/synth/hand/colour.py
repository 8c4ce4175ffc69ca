"""Colour and depth relief of the hand surface.

The palm side is light and smooth; the back side is darker and carries a crossed hatch and
knuckle lines that rotate with the hand. A flip sweeps the boundary between the two sides
across the hand, so the silhouette never changes. The depth relief depends on the
silhouette and openness only, never on which side faces the camera.
"""

from __future__ import annotations

import math

import numpy as np

from training.synth.hand.shape import PALM, HandIdentity
from training.synth.randomness import thin_lines


def local_coords(
    grid_x: np.ndarray, grid_y: np.ndarray, x: float, y: float, angle: float
) -> tuple[np.ndarray, np.ndarray]:
    """Hand-local coordinates (u right, v towards the wrist) of every pixel, in px.

    Args:
        grid_x, grid_y: float32 [H, W] pixel-centre coordinates.
        x, y: palm centre; angle: hand rotation in radians.

    Returns:
        u, v float32 [H, W].
    """
    cos_a, sin_a = np.float32(math.cos(angle)), np.float32(math.sin(angle))
    dx = grid_x - np.float32(x)
    dy = grid_y - np.float32(y)
    return dx * cos_a + dy * sin_a, dy * cos_a - dx * sin_a


def back_side_weight(u: np.ndarray, hand: HandIdentity, flip: float) -> np.ndarray:
    """How much each pixel shows the back side (0 palm .. 1 back), float32 [H, W].

    Args:
        u: hand-local horizontal coordinate, float32 [H, W].
        hand: the hand identity (its palm width and sweep direction).
        flip: flip progress, 0 palm side .. 1 back side; intermediate values place the
            boundary between the sides part-way across the hand.
    """
    across = np.clip((u * np.float32(hand.sweep_dir / hand.palm_a) + 1) * 0.5, 0, 1)
    edge = np.float32(-0.3 + 1.6 * flip)
    return np.clip((edge - across) / np.float32(0.3) + 0.5, 0, 1)


def back_texture(u: np.ndarray, v: np.ndarray, hand: HandIdentity, openness: float) -> np.ndarray:
    """Multiplicative texture of the back side: crossed hatch and knuckle lines.

    Args:
        u, v: hand-local coordinates, float32 [H, W] (px).
        hand: the hand identity.
        openness: 0 fist .. 1 spread (moves the finger joints).

    Returns:
        float32 [H, W] in (0, 1].
    """
    ca, sa = math.cos(hand.hatch_angle), math.sin(hand.hatch_angle)
    inv = 1.0 / hand.hatch_period
    t1 = (u * np.float32(ca * inv)) + (v * np.float32(sa * inv))
    t2 = (v * np.float32(ca * inv)) - (u * np.float32(sa * inv))
    hatch = np.maximum(thin_lines(t1, 0.2), thin_lines(t2, 0.2))
    b = hand.palm_b
    grow = 0.15 + 0.85 * min(max(openness, 0.0), 1.0)
    rows = (
        -0.62 * b,
        -0.8 * b - 0.4 * grow * hand.finger_len,
        -0.8 * b - 0.72 * grow * hand.finger_len,
    )
    knuckles = np.zeros_like(u)
    for row in rows:
        knuckles = np.maximum(knuckles, 1 - np.abs(v - np.float32(row)) / np.float32(1.3))
    knuckles = np.clip(knuckles, 0, 1) * (np.abs(u) < np.float32(0.85 * hand.palm_a))
    texture = 1 - np.float32(hand.hatch_strength) * hatch - np.float32(hand.knuckle_strength) * knuckles
    return texture.astype(np.float32)


def hand_colour(
    grid_x: np.ndarray,
    grid_y: np.ndarray,
    hand: HandIdentity,
    x: float,
    y: float,
    angle: float,
    openness: float,
    flip: float,
) -> np.ndarray:
    """Colour of the hand surface at every pixel (meaningful where the hand is).

    Args:
        grid_x, grid_y: float32 [H, W] pixel-centre coordinates.
        hand: the hand identity.
        x, y, angle, openness: the pose.
        flip: 0 palm side .. 1 back side.

    Returns:
        float32 [H, W, 3] RGB in 0..255 (unlit).
    """
    u, v = local_coords(grid_x, grid_y, x, y, angle)
    du, dv = hand.shade_dir
    shade = 1 + np.float32(hand.shade) * np.clip(
        u * np.float32(du / hand.palm_a) + v * np.float32(dv / hand.palm_b), -2, 2
    ) * np.float32(0.5)
    palm = np.asarray(hand.palm_rgb, dtype=np.float32)
    back = np.asarray(hand.back_rgb, dtype=np.float32)
    if flip <= 0.0:
        return shade[..., None] * palm
    weight = back_side_weight(u, hand, flip)
    back_shade = shade * back_texture(u, v, hand, openness)
    return (shade * (1 - weight))[..., None] * palm + (back_shade * weight)[..., None] * back


def hand_relief(
    grid_x: np.ndarray,
    grid_y: np.ndarray,
    part: np.ndarray,
    hand: HandIdentity,
    x: float,
    y: float,
    angle: float,
    openness: float,
) -> np.ndarray:
    """Depth offset of the hand surface from its nominal depth, mm (float32 [H, W]).

    The palm centre bulges towards the camera; curled fingers come closer, spread fingers
    lie a little behind the palm. Independent of which side faces the camera.
    """
    u, v = local_coords(grid_x, grid_y, x, y, angle)
    r2 = (u * np.float32(1 / hand.palm_a)) ** 2 + (v * np.float32(1 / hand.palm_b)) ** 2
    palm = -np.float32(hand.relief_mm) * np.clip(1 - r2, 0, 1)
    o = min(max(openness, 0.0), 1.0)
    fingers = np.float32(6.0 * o - 12.0 * (1 - o))
    return np.where(part == PALM, palm, fingers).astype(np.float32)
