"""The array rules every RGB-D clip obeys, wherever it comes from: uploads checked by the
service, and dataset clips read by training (which imports this module), so a clip that
trains is a clip the service accepts and both sides word a problem the same way.

Raises plain `ValueError` subclasses; each caller wraps them in its own error type
(`InvalidClip` for uploads, `LayoutError` / `FrameCountMismatchError` for datasets).
"""

from __future__ import annotations

import numpy as np

RGB_LAYOUT = "uint8 [T, H, W, 3]"
DEPTH_LAYOUTS = "uint16 [T, H, W] millimetres or uint8 [T, H, W(, 3)]"


class ClipArrayError(ValueError):
    """An rgb or depth array of the wrong dtype or shape."""


class FrameCountError(ClipArrayError):
    """rgb and depth hold different numbers of frames."""


def check_rgb(rgb: np.ndarray) -> None:
    """Colour frames must be uint8 RGB.

    Raises:
        ClipArrayError: another dtype or shape.
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 4 or rgb.shape[-1] != 3:
        raise ClipArrayError(f"rgb must be {RGB_LAYOUT}, got {rgb.dtype} {list(rgb.shape)}")


def check_depth(depth: np.ndarray) -> None:
    """Depth is millimetres, 8-bit grey, or already colour-encoded (what
    `service.inference.depth.encode_depth` takes).

    Raises:
        ClipArrayError: another dtype or shape.
    """
    ok = (depth.dtype == np.uint16 and depth.ndim == 3) or (
        depth.dtype == np.uint8 and (depth.ndim == 3 or (depth.ndim == 4 and depth.shape[-1] == 3))
    )
    if not ok:
        raise ClipArrayError(f"depth must be {DEPTH_LAYOUTS}, got {depth.dtype} {list(depth.shape)}")


def check_clip_arrays(rgb: np.ndarray | None, depth: np.ndarray | None) -> None:
    """Check whichever modalities are present, then that they hold the same number of
    frames (frame sizes may differ: the caller decides whether that matters).

    Raises:
        ClipArrayError: an array of the wrong dtype or shape.
        FrameCountError: rgb and depth hold different numbers of frames.
    """
    if rgb is not None:
        check_rgb(rgb)
    if depth is not None:
        check_depth(depth)
    if rgb is not None and depth is not None and rgb.shape[0] != depth.shape[0]:
        raise FrameCountError(f"rgb has {rgb.shape[0]} frames but depth has {depth.shape[0]}")
