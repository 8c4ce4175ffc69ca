"""Depth to the 8-bit, 3-channel model input: grey or JET encodings.

Shared by training (data loading) and the service (uploads and streams), so a model sees
the same depth encoding in both; plain numpy + OpenCV, no torch.
"""

from __future__ import annotations

import cv2
import numpy as np

ENCODINGS = ("gray", "jet", "jet_bgr")
_ALIASES = {"grey": "gray"}


def depth_to_gray(depth_mm: np.ndarray, near_mm: float, far_mm: float) -> np.ndarray:
    """Millimetres to grey values: near -> 255, far -> 0 (closer is brighter).

    Args:
        depth_mm: uint16 [..., H, W] depth in millimetres; 0 means no measurement.
        near_mm: distance that maps to 255 (anything closer is clipped to 255).
        far_mm: distance that maps to 0 (anything farther is clipped to 0).

    Returns:
        uint8 array of the same shape; missing pixels (0 mm) are 0.

    Raises:
        ValueError: near_mm >= far_mm.
    """
    if not near_mm < far_mm:
        raise ValueError(f"near_mm must be < far_mm, got near={near_mm} far={far_mm}")
    d = depth_mm.astype(np.float32)
    grey = (far_mm - d) * (255.0 / (far_mm - near_mm))
    grey = np.rint(np.clip(grey, 0.0, 255.0)).astype(np.uint8)
    grey[depth_mm == 0] = 0
    return grey


def _colourise(grey: np.ndarray, encoding: str) -> np.ndarray:
    """uint8 [T, H, W] grey -> uint8 [T, H, W, 3] in the named encoding."""
    if encoding == "gray":
        return np.repeat(grey[..., None], 3, axis=-1)
    t, h, w = grey.shape
    bgr = cv2.applyColorMap(np.ascontiguousarray(grey.reshape(t * h, w)), cv2.COLORMAP_JET)
    bgr = bgr.reshape(t, h, w, 3)
    if encoding == "jet_bgr":
        return bgr
    return np.ascontiguousarray(bgr[..., ::-1])


def encode_depth(depth: np.ndarray, encoding: str, near_mm: float, far_mm: float) -> np.ndarray:
    """Encodes a depth clip as uint8 [T, H, W, 3] for the network.

    - uint16 [T, H, W] millimetres: mapped to grey with `depth_to_gray` (near -> 255,
      far -> 0, missing -> 0), then encoded.
    - uint8 [T, H, W]: already a grey value; encoded as is (near_mm / far_mm unused).
    - uint8 [T, H, W, 3]: already encoded; returned unchanged.

    Encodings: `gray` replicates the grey value to three channels; `jet` is OpenCV's
    COLORMAP_JET of the grey value in RGB order; `jet_bgr` is the same map left in BGR
    order (what the official NTU loader feeds the network).

    Args:
        depth: the depth clip (see above).
        encoding: `gray` (alias `grey`), `jet` or `jet_bgr`.
        near_mm: distance mapped to 255, for millimetre input.
        far_mm: distance mapped to 0, for millimetre input.

    Returns:
        uint8 [T, H, W, 3].

    Raises:
        ValueError: unknown encoding, unsupported dtype/shape, or near_mm >= far_mm.
    """
    enc = _ALIASES.get(encoding, encoding)
    if enc not in ENCODINGS:
        raise ValueError(f"unknown depth encoding {encoding!r}; known: {', '.join(ENCODINGS)}")
    if depth.dtype == np.uint8 and depth.ndim == 4 and depth.shape[-1] == 3:
        return depth
    if depth.dtype == np.uint8 and depth.ndim == 3:
        grey = depth
    elif depth.dtype == np.uint16 and depth.ndim == 3:
        grey = depth_to_gray(depth, near_mm, far_mm)
    else:
        raise ValueError(
            "depth must be uint16 [T, H, W] mm, uint8 [T, H, W] or uint8 [T, H, W, 3], "
            f"got {depth.dtype} {list(depth.shape)}"
        )
    return _colourise(grey, enc)
