"""Composes the frames of a recording from a scene and a hand track."""

from __future__ import annotations

import math

import numpy as np

from training.synth.hand.colour import hand_colour, hand_relief
from training.synth.hand.shape import coverage, draw_hand_labels
from training.synth.motion import HandTrack
from training.synth.scene.distractors import draw_distractors
from training.synth.scene.layout import Scene
from training.synth.scene.patterns import pixel_grid
from training.synth.sensors.depth_noise import sense_depth
from training.synth.sensors.rgb_effects import BLUR_THRESHOLD_PX, motion_blur, to_uint8_with_noise

SUPERSAMPLE = 2


def render_frames(
    scene: Scene,
    track: HandTrack,
    rgb_rng: np.random.Generator,
    depth_rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Renders every frame of a track.

    The colour stream never reads the hand's depth and the depth stream never reads its
    side (flip) or colour; the two random sources draw a fixed number of values per frame.

    Args:
        scene: the recording's fixed content.
        track: hand states of T frames.
        rgb_rng: random source of the colour sensor noise.
        depth_rng: random source of the depth sensor noise.

    Returns:
        rgb uint8 [T, H, W, 3], depth uint16 [T, H, W] (mm, 0 = missing) and the hand mask
        bool [T, H, W] (pixels at least half covered by the hand).
    """
    size = scene.size
    frames = len(track)
    gx, gy = pixel_grid(size)
    norm_u = gx / np.float32(size) - np.float32(0.5)
    norm_v = gy / np.float32(size) - np.float32(0.5)
    rgb_out = np.empty((frames, size, size, 3), dtype=np.uint8)
    depth_out = np.empty((frames, size, size), dtype=np.uint16)
    mask_out = np.zeros((frames, size, size), dtype=bool)
    hand = scene.hand

    for t in range(frames):
        rgb = scene.background.rgb.copy()
        depth = scene.background.depth.copy()
        draw_distractors(rgb, depth, scene.distractors, t)
        z = float(track.z[t])
        if track.present[t]:
            x, y, angle = float(track.x[t]), float(track.y[t]), float(track.angle[t])
            openness, flip = float(track.openness[t]), float(track.flip[t])
            labels = draw_hand_labels(hand, x, y, angle, openness, size, SUPERSAMPLE)
            alpha, part = coverage(labels, SUPERSAMPLE)
            mask = alpha >= 0.5
            mask_out[t] = mask

            colour = hand_colour(gx, gy, hand, x, y, angle, openness, flip)
            premul = colour * alpha[..., None]
            if t > 0 and track.present[t - 1]:
                dx = x - float(track.x[t - 1])
                dy = y - float(track.y[t - 1])
                if math.hypot(dx, dy) >= BLUR_THRESHOLD_PX:
                    premul, alpha = motion_blur(premul, alpha, dx, dy)
            rgb = rgb * (1 - alpha)[..., None] + premul

            relief = hand_relief(gx, gy, part, hand, x, y, angle, openness)
            depth = np.where(mask, np.float32(z) + relief, depth)

        rgb = rgb * scene.lighting.gain_map(t, norm_u, norm_v)
        rgb_out[t] = to_uint8_with_noise(rgb, scene.rgb_noise, rgb_rng)
        depth_out[t] = sense_depth(depth, mask_out[t], z, scene.depth_sensor, depth_rng)
    return rgb_out, depth_out, mask_out
