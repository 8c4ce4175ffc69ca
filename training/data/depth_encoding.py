"""Depth encodings for training (shared with the service) and the NTU RGB+D crop."""

from __future__ import annotations

import cv2
import numpy as np

from service.inference.depth import ENCODINGS, depth_to_gray, encode_depth

__all__ = ["ENCODINGS", "depth_to_gray", "encode_depth", "ntu_crop_box", "ntu_crop_jet", "ntu_encode_clip"]

NTU_CROP_W = 320
NTU_CROP_H = 240
NTU_MIN_CONTOUR_AREA = 500.0


def ntu_crop_box(frame: np.ndarray) -> tuple[int, int, int, int]:
    """Where the NTU-style crop cuts a depth frame: (x0, y0, x1, y1), x1/y1 exclusive.

    The frame is eroded with a 3x3 and dilated with a 10x10 rectangle; external contours
    with an area above 500 px are kept; the box starts at the smallest x and smallest y of
    their minimum-area-rectangle centres minus half the box and spans 320 x 240, clipped to the frame. With no
    such contour the whole frame is kept.

    Args:
        frame: uint8 [H, W] depth frame.

    Returns:
        (x0, y0, x1, y1) in pixels.
    """
    h, w = frame.shape
    mask = cv2.erode(frame, np.ones((3, 3), np.uint8))
    mask = cv2.dilate(mask, np.ones((10, 10), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    centres = [cv2.minAreaRect(c)[0] for c in contours if cv2.contourArea(c) > NTU_MIN_CONTOUR_AREA]
    if not centres:
        return 0, 0, w, h
    # The release centres the box on the smallest centre coordinates, clipped at 0.
    x0 = min(max(int(min(c[0] for c in centres)) - NTU_CROP_W // 2, 0), w - 1)
    y0 = min(max(int(min(c[1] for c in centres)) - NTU_CROP_H // 2, 0), h - 1)
    return x0, y0, min(x0 + NTU_CROP_W, w), min(y0 + NTU_CROP_H, h)


def ntu_crop_jet(depth_u8_frame: np.ndarray, out_size: tuple[int, int] | None = None) -> np.ndarray:
    """NTU RGB+D depth preprocessing of one frame: crop around the subject, then JET (BGR).

    Args:
        depth_u8_frame: uint8 [H, W] (or [H, W, 3], of which channel 0 is used).
        out_size: optional (width, height) to resize the crop to, so that frames of a clip
            stack; None keeps the crop's own size (at most 320 x 240).

    Returns:
        uint8 [h, w, 3] in BGR channel order, as the official loader produces.

    Raises:
        ValueError: the frame is not uint8 [H, W] / [H, W, 3].
    """
    f = depth_u8_frame
    if f.dtype != np.uint8 or not (f.ndim == 2 or (f.ndim == 3 and f.shape[-1] == 3)):
        raise ValueError(f"ntu_crop_jet needs a uint8 [H, W] frame, got {f.dtype} {list(f.shape)}")
    if f.ndim == 3:
        f = f[..., 0]
    f = np.ascontiguousarray(f)
    x0, y0, x1, y1 = ntu_crop_box(f)
    crop = np.ascontiguousarray(f[y0:y1, x0:x1])
    if out_size is not None:
        crop = cv2.resize(crop, out_size, interpolation=cv2.INTER_LINEAR)
    return cv2.applyColorMap(crop, cv2.COLORMAP_JET)


def ntu_encode_clip(depth_u8: np.ndarray, out_size: tuple[int, int] = (NTU_CROP_W, NTU_CROP_H)) -> np.ndarray:
    """`ntu_crop_jet` on every frame, each crop resized to `out_size` so that they stack.

    Args:
        depth_u8: uint8 [T, H, W] depth clip.
        out_size: (width, height) of every output frame.

    Returns:
        uint8 [T, out_h, out_w, 3], BGR channel order.
    """
    if depth_u8.ndim != 3:
        raise ValueError(f"ntu_encode_clip needs uint8 [T, H, W], got {depth_u8.dtype} {list(depth_u8.shape)}")
    return np.stack([ntu_crop_jet(frame, out_size) for frame in depth_u8])
