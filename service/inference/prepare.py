"""Clip preprocessing from a model's card: temporal sampling, resize + centre crop, depth
encoding. The same evaluation transform the model was trained with (training imports the
depth encoding from here)."""

from __future__ import annotations

import cv2
import numpy as np

from service.inference.depth import encode_depth
from service.inference.model_card import ModelCard


def eval_indices(n: int, count: int) -> list[int]:
    """Segment-mean sampling of n frames to `count` (indices repeat when n < count)."""
    out = []
    for i in range(count):
        lo = int(n * i / count)
        hi = max(lo + 1, int(n * (i + 1) / count))
        out.append(int(sum(range(lo, hi)) / (hi - lo)))
    return out


def resize_crop(frames: np.ndarray, resize: int, height: int, width: int) -> np.ndarray:
    """[T, H, W(, 3)] -> [T, height, width(, 3)]: resize to resize x resize (bilinear), centre crop."""
    x0, y0 = (resize - width) // 2, (resize - height) // 2
    out = np.empty((frames.shape[0], height, width) + frames.shape[3:], frames.dtype)
    for t, frame in enumerate(frames):
        if frame.shape[:2] != (resize, resize):
            frame = cv2.resize(np.ascontiguousarray(frame), (resize, resize), interpolation=cv2.INTER_LINEAR)
        out[t] = frame[y0 : y0 + height, x0 : x0 + width]
    return out


def prepare_frames(rgb: np.ndarray | None, depth: np.ndarray | None, card: ModelCard) -> dict[str, np.ndarray]:
    """Frames already chosen for one window -> the model's inputs (batch of 1).

    Args:
        rgb: uint8 [T, H, W, 3] RGB, or None.
        depth: uint16 [T, H, W] millimetres, uint8 [T, H, W] grey or uint8 [T, H, W, 3]
            already encoded, or None.
        card: the model's card (T must equal card.frames).

    Returns:
        {modality: uint8 [1, T, height, width, 3]} for the card's modalities.
    """
    out: dict[str, np.ndarray] = {}
    if "rgb" in card.modalities:
        assert rgb is not None
        out["rgb"] = resize_crop(rgb, card.resize, card.height, card.width)[None]
    if "depth" in card.modalities:
        assert depth is not None
        d = resize_crop(depth, card.resize, card.height, card.width)
        out["depth"] = encode_depth(d, card.depth_encoding, card.depth_near_mm, card.depth_far_mm)[None]
    return out


def prepare_clip(rgb: np.ndarray | None, depth: np.ndarray | None, card: ModelCard) -> dict[str, np.ndarray]:
    """A whole clip of any length, sampled to the model's window by segment means."""
    n = (rgb if rgb is not None else depth).shape[0]  # type: ignore[union-attr]
    idx = eval_indices(n, card.frames)
    return prepare_frames(None if rgb is None else rgb[idx], None if depth is None else depth[idx], card)
