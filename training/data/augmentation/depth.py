"""Depth augmentation: what another depth sensor, or a real one, changes.

The ops run on a clip in the form the dataset holds it after the geometric transform
(before `encode_depth`), and return it in the same form:

- uint16 [T, H, W] millimetres, 0 = no measurement;
- uint8 [T, H, W] grey (near -> 255, far -> 0, 0 = no measurement or beyond far);
- uint8 [T, H, W, 3] already encoded: `gray` (three equal channels) or JET (`jet` in RGB,
  `jet_bgr` in BGR order; colour data with the `gray` encoding is taken as `jet_bgr`,
  the form the NTU loader writes).

Ops that change values (global scale / offset, noise, edge dropout) work in millimetres:
8-bit grey maps back through `near_mm` / `far_mm` and JET through a nearest-colour table.
Ops that only invalidate pixels (holes, cut-out boxes, misalignment shifts) write the
encoding's own "no measurement" value and leave every other pixel bit-exact.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from service.inference.depth import encode_depth
from training.train_config import DepthAugmentConfig

from .photometric import erase_boxes, gaussian_noise

__all__ = ["augment_depth", "blank_depth", "decode_jet", "depth_enabled", "invalid_value"]

_JET_BITS = 6  # the decoding table has 2**6 levels per channel


def depth_enabled(cfg: DepthAugmentConfig) -> bool:
    """Whether any depth op can fire."""
    return any(getattr(cfg, name) > 0 for name in cfg.__dataclass_fields__ if name.endswith("_p"))


def _form(depth: np.ndarray, encoding: str) -> str:
    """`mm`, `grey`, `gray3`, `jet` or `jet_bgr`: how `depth` stores its values."""
    if depth.dtype == np.uint16 and depth.ndim == 3:
        return "mm"
    if depth.dtype == np.uint8 and depth.ndim == 3:
        return "grey"
    if depth.dtype == np.uint8 and depth.ndim == 4 and depth.shape[-1] == 3:
        sub = depth[:, ::7, ::7]
        if (sub[..., 0] == sub[..., 1]).all() and (sub[..., 1] == sub[..., 2]).all():
            return "gray3"
        return "jet" if encoding == "jet" else "jet_bgr"
    raise ValueError(
        f"depth must be uint16 [T, H, W], uint8 [T, H, W] or [T, H, W, 3], got {depth.dtype} {list(depth.shape)}"
    )


def invalid_value(depth: np.ndarray, encoding: str) -> np.ndarray:
    """The value of a pixel without measurement in the form of `depth` (shape [] or [3])."""
    form = _form(depth, encoding)
    if form in ("mm", "grey"):
        return np.zeros((), depth.dtype)
    enc = "gray" if form == "gray3" else form
    return encode_depth(np.zeros((1, 1, 1), np.uint8), enc, 0.0, 1.0)[0, 0, 0]


def blank_depth(depth: np.ndarray, encoding: str) -> np.ndarray:
    """A clip like `depth` without a single measurement."""
    out = np.empty_like(depth)
    out[...] = invalid_value(depth, encoding)
    return out


@lru_cache(maxsize=2)
def _jet_table(order: str) -> np.ndarray:
    """uint8 [64, 64, 64]: the grey level whose JET colour is nearest each quantised colour."""
    bgr = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[None], cv2.COLORMAP_JET)[0].astype(np.float32)
    colours = bgr[:, ::-1] if order == "jet" else bgr  # the channel order of the data
    step = 256 >> _JET_BITS
    centres = np.arange(1 << _JET_BITS, dtype=np.float32) * step + (step - 1) / 2.0
    grid = np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), -1).reshape(-1, 3)
    table = np.empty(len(grid), np.uint8)
    for lo in range(0, len(grid), 16384):
        d = ((grid[lo : lo + 16384, None, :] - colours[None]) ** 2).sum(-1)
        table[lo : lo + 16384] = d.argmin(1)
    return table.reshape((1 << _JET_BITS,) * 3)


def decode_jet(encoded: np.ndarray, encoding: str) -> np.ndarray:
    """JET colours back to grey levels (nearest colour of the map).

    Args:
        encoded: uint8 [..., 3] in `jet` (RGB) or `jet_bgr` (BGR) channel order.
        encoding: `jet` or `jet_bgr`.

    Returns:
        uint8 [...] grey levels (within about 2 levels of the encoded ones).
    """
    q = encoded >> (8 - _JET_BITS)
    return _jet_table(encoding)[q[..., 0], q[..., 1], q[..., 2]]


def _to_mm(depth: np.ndarray, form: str, near: float, far: float) -> tuple[np.ndarray, np.ndarray]:
    """(float32 [T, H, W] millimetres, bool [T, H, W] valid) of a clip in any form."""
    if form == "mm":
        return depth.astype(np.float32), depth > 0
    grey = depth if form == "grey" else depth[..., 0] if form == "gray3" else decode_jet(depth, form)
    mm = np.float32(far) - grey.astype(np.float32) * np.float32((far - near) / 255.0)
    return mm, grey > 0


def _from_mm(mm: np.ndarray, valid: np.ndarray, form: str, near: float, far: float) -> np.ndarray:
    """Inverse of `_to_mm` (pixels that leave the encodable range clip to it)."""
    if form == "mm":
        out = np.rint(np.clip(mm, 1.0, 65535.0)).astype(np.uint16)
        out[~valid] = 0
        return out
    grey = np.rint(np.clip((np.float32(far) - mm) * np.float32(255.0 / (far - near)), 0.0, 255.0)).astype(np.uint8)
    grey[~valid] = 0
    if form == "grey":
        return grey
    return encode_depth(grey, "gray" if form == "gray3" else form, near, far)


def _holes(shape: tuple[int, int], rng: np.random.Generator, count: int, size: float) -> np.ndarray:
    """bool [H, W]: 1..count random ellipses."""
    h, w = shape
    mask = np.zeros((h, w), np.uint8)
    side = min(h, w)
    for _ in range(int(rng.integers(1, max(1, count) + 1))):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        axes = tuple(max(1, int(side * rng.uniform(size / 4, size))) for _ in range(2))
        cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
    return mask.astype(bool)


def _edges(mm: np.ndarray, valid: np.ndarray, threshold: float, width: int) -> np.ndarray:
    """bool [T, H, W]: pixels within `width` of a jump above `threshold` mm (or of a hole)."""
    kernel = np.ones((3, 3), np.uint8)
    grow = np.ones((2 * width + 1, 2 * width + 1), np.uint8) if width > 0 else None
    out = np.empty(mm.shape, bool)
    for k in range(mm.shape[0]):
        frame = np.where(valid[k], mm[k], 0.0).astype(np.float32)
        jump = (cv2.dilate(frame, kernel) - cv2.erode(frame, kernel)) > threshold
        if grow is not None:
            jump = cv2.dilate(jump.astype(np.uint8), grow).astype(bool)
        out[k] = jump
    return out


def _shift(arr: np.ndarray, dx: int, dy: int, fill: np.ndarray) -> np.ndarray:
    """`arr` [T, H, W, ...] moved by (dx, dy) pixels; uncovered pixels get `fill`."""
    out = np.empty_like(arr)
    out[...] = fill
    h, w = arr.shape[1:3]
    src_y, dst_y = slice(max(0, -dy), h - max(0, dy)), slice(max(0, dy), h - max(0, -dy))
    src_x, dst_x = slice(max(0, -dx), w - max(0, dx)), slice(max(0, dx), w - max(0, -dx))
    out[:, dst_y, dst_x] = arr[:, src_y, src_x]
    return out


def augment_depth(
    depth: np.ndarray,
    cfg: DepthAugmentConfig,
    rng: np.random.Generator,
    encoding: str = "gray",
    near_mm: float = 300.0,
    far_mm: float = 3000.0,
) -> np.ndarray:
    """Applies the enabled depth ops of `cfg` to a clip, keeping its form.

    Order: global scale / offset -> noise -> edge dropout -> holes -> cut-out boxes ->
    misalignment shift. Every op draws its coin whether enabled or not.

    Args:
        depth: uint16 [T, H, W] mm, uint8 [T, H, W] grey or uint8 [T, H, W, 3] encoded
            (not modified).
        cfg: probabilities and strengths.
        rng: the sample's randomness.
        encoding: the run's depth encoding (tells JET channel order for encoded clips).
        near_mm: grey 255 in millimetres (8-bit forms).
        far_mm: grey 0 in millimetres (8-bit forms).

    Returns:
        The augmented clip, same dtype and shape as `depth`.

    Raises:
        ValueError: an unsupported dtype / shape.
    """
    form = _form(depth, encoding)
    t, h, w = depth.shape[:3]
    scale, offset = 1.0, 0.0
    if rng.random() < cfg.scale_p:
        scale = float(rng.uniform(1 - cfg.scale, 1 + cfg.scale))
        offset = float(rng.uniform(-cfg.offset_mm, cfg.offset_mm))
    noise = rng.random() < cfg.noise_p
    edge = rng.random() < cfg.edge_p
    holes = _holes((h, w), rng, cfg.holes, cfg.hole_size) if rng.random() < cfg.holes_p else None
    erased = None
    if rng.random() < cfg.erase_p:
        erased = erase_boxes(np.ones((t, h, w), bool), rng, cfg.erase_boxes, cfg.erase_size, 0.5, np.array(False))
    dx = dy = 0
    if rng.random() < cfg.shift_p:
        dx, dy = (int(v) for v in rng.integers(-cfg.shift_px, cfg.shift_px + 1, 2))

    if scale != 1.0 or offset != 0.0 or noise or edge:
        mm, valid = _to_mm(depth, form, near_mm, far_mm)
        if scale != 1.0 or offset != 0.0:
            mm = mm * np.float32(scale) + np.float32(offset)
        if noise:
            mult = np.float32(rng.uniform(0.0, cfg.noise_mult))
            add = np.float32(rng.uniform(0.0, cfg.noise_add_mm))
            mm = mm + (mult * mm + add) * gaussian_noise(mm.shape, rng)
        if edge:
            drop = _edges(mm, valid, cfg.edge_threshold_mm, cfg.edge_width)
            valid = valid & ~(drop & (rng.random(drop.shape, dtype=np.float32) < 0.75))  # ragged, as sensors
        valid &= mm > 0
        out = _from_mm(mm, valid, form, near_mm, far_mm)
    else:
        out = np.array(depth, copy=True)
    invalid = invalid_value(depth, encoding)
    if holes is not None:
        out[:, holes] = invalid
    if erased is not None:
        out[~erased] = invalid
    if dx or dy:
        out = _shift(out, dx, dy, invalid)
    return out
