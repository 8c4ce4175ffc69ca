"""A contact sheet of rendered clips (RGB above colourised depth), for eyeballing the set."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from training.synth import classes as C
from training.synth.randomness import key_rng
from training.synth.render import render_clip


def colourise_depth(depth: np.ndarray, near: float = 350.0, far: float = 3000.0) -> np.ndarray:
    """uint16 [H, W] mm -> uint8 [H, W, 3] RGB (turbo colour map, missing pixels black)."""
    scaled = np.clip((depth.astype(np.float32) - near) / (far - near), 0, 1)
    bgr = cv2.applyColorMap((255 - scaled * 255).astype(np.uint8), cv2.COLORMAP_TURBO)
    bgr[depth == 0] = 0
    return bgr[..., ::-1]


def preview_grid(
    labels: Sequence[int] = tuple(range(C.NUM_CLASSES)),
    seed: int = 0,
    size: int = 128,
    columns: int = 6,
    frames: int = 48,
) -> np.ndarray:
    """Renders one clip per label and tiles `columns` frames spread over its gesture.

    Each clip adds two rows: RGB, then colourised depth; a caption names the class.

    Returns:
        uint8 [rows * size, columns * size, 3] RGB image.
    """
    rows = []
    for label in labels:
        clip = render_clip(label, key_rng(seed, 3, label), size=size, frames=frames)
        first, last = clip.gesture_range
        picks = np.linspace(max(first - 1, 0), min(last + 1, clip.frames - 1), columns).round()
        rgb_row = np.concatenate([clip.rgb[int(i)] for i in picks], axis=1).copy()
        depth_row = np.concatenate([colourise_depth(clip.depth[int(i)]) for i in picks], axis=1)
        cv2.putText(
            rgb_row,
            C.CLASS_NAMES[label],
            (2, 11),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.38,
            (255, 255, 255),
            1,
            cv2.LINE_AA,
        )
        rows += [rgb_row, depth_row]
    return np.concatenate(rows, axis=0)


def save_preview(
    path: Path,
    labels: Sequence[int] = tuple(range(C.NUM_CLASSES)),
    seed: int = 0,
    size: int = 128,
    columns: int = 6,
) -> Path:
    """Writes `preview_grid` to an image file (PNG by extension) and returns its path."""
    image = preview_grid(labels, seed=seed, size=size, columns=columns)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), image[..., ::-1])
    return path
