"""A stereo depth sensor model (RealSense-like): Gaussian noise growing with distance,
missing pixels (0) in small blobs, along the hand's edges and in the stereo shadow on the
hand's left, quantisation to whole millimetres."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.constants import BACKGROUND_DEPTH_MM, DEPTH_NOISE_MM, HAND_DEPTH_MM
from training.synth.randomness import uniform

_KERNEL = np.ones((3, 3), dtype=np.uint8)


@dataclass(frozen=True)
class DepthSensor:
    """Noise settings of one recording.

    Attributes:
        sigma_1m: noise standard deviation at 1 m, mm (it grows with depth squared and is
            clipped to DEPTH_NOISE_MM).
        edge_drop: probability that a pixel on the hand's edge is missing.
        shadow_px: stereo-shadow width per unit of (1/z_hand - 1/z_background) in 1/m, px.
        shadow_drop: probability that a pixel of the stereo shadow is missing.
        static_blobs: float64 [N, 3] (x, y, radius) holes that stay (dark or shiny spots).
        blob_rate: mean number of flickering holes per frame.
        blob_radius: largest radius of a hole, px.
    """

    sigma_1m: float
    edge_drop: float
    shadow_px: float
    shadow_drop: float
    static_blobs: np.ndarray
    blob_rate: float
    blob_radius: float


def sample_depth_sensor(rng: np.random.Generator, size: int) -> DepthSensor:
    """Draws the noise settings for `size` x `size` frames."""
    scale = size / 128
    n_static = int(rng.integers(2, 7))
    blobs = np.column_stack(
        [
            rng.uniform(0, size, size=n_static),
            rng.uniform(0, size, size=n_static),
            rng.uniform(1.0, 3.5, size=n_static) * scale,
        ]
    )
    return DepthSensor(
        sigma_1m=uniform(rng, (3.0, 6.0)),
        edge_drop=uniform(rng, (0.3, 0.8)),
        shadow_px=uniform(rng, (1.5, 3.0)) * scale,
        shadow_drop=uniform(rng, (0.6, 0.95)),
        static_blobs=blobs,
        blob_rate=uniform(rng, (1.0, 5.0)),
        blob_radius=2.5 * scale,
    )


def _shadow_band(mask: np.ndarray, width: int) -> np.ndarray:
    """Pixels up to `width` px left of the mask, outside it: bool [H, W]."""
    band = np.zeros_like(mask)
    for shift in range(1, width + 1):
        band[:, :-shift] |= mask[:, shift:]
    return band & ~mask


def sense_depth(
    depth: np.ndarray,
    hand_mask: np.ndarray,
    hand_mm: float,
    sensor: DepthSensor,
    rng: np.random.Generator,
) -> np.ndarray:
    """Turns a clean depth frame into a sensor frame.

    The number of values drawn from `rng` never depends on the frame content, so the noise
    of two clips rendered from the same seed lines up pixel for pixel.

    Args:
        depth: float32 [H, W] clean depth, mm.
        hand_mask: bool [H, W] where the hand is (all False when it is not in view).
        hand_mm: the hand's nominal depth, mm (unused when the mask is empty).
        sensor: noise settings.
        rng: random source for this frame.

    Returns:
        uint16 [H, W] depth in mm, 0 where missing.
    """
    size = depth.shape[0]
    noise = rng.standard_normal(depth.shape, dtype=np.float32)
    drop_draw = rng.random(depth.shape, dtype=np.float32)
    static_on = rng.random(len(sensor.static_blobs)) < 0.85
    n_flicker = int(rng.poisson(sensor.blob_rate))
    flicker = rng.uniform(0, 1, size=(n_flicker, 3)) * np.array([size, size, sensor.blob_radius])

    metres = depth * np.float32(0.001)
    sigma = np.clip(np.float32(sensor.sigma_1m) * metres * metres, *DEPTH_NOISE_MM)
    noisy = depth + sigma * noise
    hand_lo, hand_hi = HAND_DEPTH_MM
    bg_lo, bg_hi = BACKGROUND_DEPTH_MM
    noisy = np.where(hand_mask, np.clip(noisy, hand_lo, hand_hi), np.clip(noisy, bg_lo, bg_hi))
    out = np.rint(noisy).astype(np.uint16)

    holes = np.zeros((size, size), dtype=np.uint8)
    for (bx, by, br), on in zip(sensor.static_blobs, static_on, strict=True):
        if on:
            cv2.circle(holes, (int(round(bx)), int(round(by))), int(round(br)), 1, -1)
    for bx, by, br in flicker:
        cv2.circle(holes, (int(bx), int(by)), int(round(br + 0.5)), 1, -1)
    missing = holes.astype(bool)

    if hand_mask.any():
        m8 = hand_mask.astype(np.uint8)
        edge = (cv2.dilate(m8, _KERNEL) - cv2.erode(m8, _KERNEL)).astype(bool)
        missing |= edge & (drop_draw < np.float32(sensor.edge_drop))
        behind = float(np.median(depth[~hand_mask])) if (~hand_mask).any() else 2000.0
        width = int(round(sensor.shadow_px * (1000.0 / hand_mm - 1000.0 / behind)))
        if width > 0:
            band = _shadow_band(hand_mask, width) & ~edge
            missing |= band & (drop_draw < np.float32(sensor.shadow_drop))
    out[missing] = 0
    return out
