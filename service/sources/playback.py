"""A classified clip's frames for the page to play back: small JPEGs of the frames, and the
same frames with the FRP guidance (where the network's spatial part is told to look) laid
over them as a heat map.

The guidance is computed here in NumPy, as model/frp.py computes it inside the network (rank
pooling of the last `frp_window` frames, kept where above its mean, eroded and dilated), on
the small frames: it shows what the network is guided by, for a person to look at, and is
not used for any prediction.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from service.sources.preview import colourise_depth, jpeg_data_url

MAX_FRAMES = 120  # at most this many frames go back (every k-th frame of a longer clip)
WIDTH = 192  # px
JPEG_QUALITY = 70


def _visible(rgb: np.ndarray | None, depth: np.ndarray | None) -> np.ndarray:
    """uint8 [T, H, W, 3] BGR frames to show: the colour frames, else the depth colourised
    (uint16 mm: near red; uint8: as grey or as given)."""
    if rgb is not None:
        return rgb[..., ::-1]
    assert depth is not None
    if depth.ndim == 4:
        return depth[..., ::-1]
    if depth.dtype == np.uint8:
        return np.repeat(depth[..., None], 3, axis=-1)
    return np.stack([colourise_depth(f) for f in depth])


def frp_map(window: np.ndarray) -> np.ndarray:
    """The FRP guidance of a window of frames.

    Args:
        window: uint8 [w, H, W, 3], the last w frames, oldest first.

    Returns:
        float32 [H, W] in [0, 1] (zeros for w < 2).
    """
    w = len(window)
    if w < 2:
        return np.zeros(window.shape[1:3], np.float32)
    x = (window.astype(np.float32) - 127.5) / 128.0
    weights = (2 * np.arange(1, w + 1, dtype=np.float32) - w - 1).reshape(w, 1, 1, 1)
    rank = np.maximum((x * weights).sum(axis=0), 0)  # [H, W, 3]
    rank -= rank.min()
    if rank.max() > 0:
        rank /= rank.max()
    grey = rank @ np.array([0.114, 0.587, 0.2989], np.float32)  # BGR order here
    static = np.where(grey > grey.mean(), grey, 0).astype(np.float32)
    static = cv2.erode(static, np.ones((2, 2), np.uint8), anchor=(1, 1), borderType=cv2.BORDER_REPLICATE)
    static = cv2.dilate(static, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)
    static -= static.min()
    if static.max() > 0:
        static /= static.max()
    guidance = (grey + static) * static
    return np.clip(guidance / guidance.max(), 0, 1) if guidance.max() > 0 else guidance


def _overlay(frame: np.ndarray, guidance: np.ndarray) -> np.ndarray:
    """The frame, darkened, with the guidance as a heat map over it (opaque where strong).
    The guidance is sparse (a few bright pixels), so for the eye it is blurred and scaled
    to its 99th percentile first."""
    blurred = cv2.GaussianBlur(guidance, (0, 0), sigmaX=max(1.0, guidance.shape[1] / 64))
    top = float(np.percentile(blurred, 99))
    guidance = np.clip(blurred / top, 0, 1) if top > 0 else blurred
    heat = cv2.applyColorMap((guidance * 255).astype(np.uint8), cv2.COLORMAP_INFERNO)
    alpha = guidance[..., None] ** 0.7
    return (frame * 0.55 * (1 - alpha) + heat * alpha).clip(0, 255).astype(np.uint8)


def playback(
    rgb: np.ndarray | None, depth: np.ndarray | None, fps: float | None, frp_window: int, max_frames: int = MAX_FRAMES
) -> dict[str, Any]:
    """Frames of a clip for the page, with their FRP guidance.

    Args:
        rgb: uint8 [T, H, W, 3] or None; depth: as `DecodedClip.depth`, or None.
        fps: the clip's frame rate, if known.
        frp_window: frames per rank-pooling window (the model card's `frp_window`).

    Returns:
        {"step": every step-th frame is sent, "fps": frames per second of what is sent
        (None when the clip's is unknown), "frames": [{"frame": index in the clip, "image":
        JPEG data URL, "guidance": JPEG data URL of the frame with its guidance}]}.
    """
    shown = _visible(rgb, depth)
    t, h, w = shown.shape[:3]
    size = (WIDTH, max(1, round(h * WIDTH / w)))
    small = np.stack([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in shown])
    step = max(1, math.ceil(t / max_frames))
    frames = []
    for i in range(0, t, step):
        window = small[max(0, i - frp_window + 1) : i + 1] if i >= frp_window - 1 else small[:0]
        guidance = frp_map(window) if len(window) else np.zeros(small.shape[1:3], np.float32)
        frames.append(
            {
                "frame": i,
                "image": jpeg_data_url(small[i], JPEG_QUALITY),
                "guidance": jpeg_data_url(_overlay(small[i], guidance), JPEG_QUALITY),
            }
        )
    return {"step": step, "fps": fps / step if fps else None, "frames": frames}
