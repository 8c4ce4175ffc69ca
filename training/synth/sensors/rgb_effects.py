"""Camera effects on the colour stream: motion blur of the moving hand and sensor noise."""

from __future__ import annotations

import math

import numpy as np

BLUR_THRESHOLD_PX = 1.5
"""Hand displacements (px per frame) from which the hand layer gets motion blur."""


def shift_image(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Moves an image by whole pixels, filling with zeros.

    Args:
        image: [H, W] or [H, W, C].
        dx, dy: shift to the right and down, px.

    Returns:
        An array of the same shape and dtype.
    """
    h, w = image.shape[:2]
    out = np.zeros_like(image)
    if abs(dx) >= w or abs(dy) >= h:
        return out
    src_y = slice(max(0, -dy), h - max(0, dy))
    dst_y = slice(max(0, dy), h - max(0, -dy))
    src_x = slice(max(0, -dx), w - max(0, dx))
    dst_x = slice(max(0, dx), w - max(0, -dx))
    out[dst_y, dst_x] = image[src_y, src_x]
    return out


def motion_blur(premultiplied: np.ndarray, alpha: np.ndarray, dx: float, dy: float) -> tuple[np.ndarray, np.ndarray]:
    """Smears a layer along its motion during the exposure (box kernel along (dx, dy)).

    Args:
        premultiplied: float32 [H, W, 3] layer colour times alpha.
        alpha: float32 [H, W] layer coverage.
        dx, dy: displacement during the frame, px.

    Returns:
        The blurred (premultiplied, alpha), same shapes.
    """
    steps = int(math.ceil(max(abs(dx), abs(dy))))
    if steps < 2:
        return premultiplied, alpha
    acc_c = np.zeros_like(premultiplied)
    acc_a = np.zeros_like(alpha)
    for k in range(steps + 1):
        f = k / steps - 0.5
        ox, oy = int(round(f * dx)), int(round(f * dy))
        acc_c += shift_image(premultiplied, ox, oy)
        acc_a += shift_image(alpha, ox, oy)
    inv = np.float32(1.0 / (steps + 1))
    return acc_c * inv, acc_a * inv


def to_uint8_with_noise(rgb: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Adds Gaussian sensor noise and quantises.

    Args:
        rgb: float32 [H, W, 3], 0..255.
        sigma: noise standard deviation in grey levels.
        rng: random source (always draws H*W*3 values).

    Returns:
        uint8 [H, W, 3].
    """
    noise = rng.standard_normal(rgb.shape, dtype=np.float32)
    return np.clip(np.rint(rgb + noise * np.float32(sigma)), 0, 255).astype(np.uint8)
