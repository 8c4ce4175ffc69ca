"""Frame layers and their composition by depth (SynthGesture v2).

Every v2 element of a frame (the room, a person walking behind, the gesturer's body, the arm,
the hand) renders itself as a `Layer`: colour, clean depth and coverage on the frame's
pixel grid. `composite` keeps, per pixel, the nearest covered layer, blending its colour
over what lies behind by its coverage (anti-aliased edges), so elements can be drawn in
any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

FAR_MM = np.float32(1e9)
"""Depth of 'nothing here' in a layer (beyond any surface)."""


@dataclass
class Layer:
    """One element of one frame.

    Attributes:
        rgb: float32 [H, W, 3], linear-ish colour 0..255 before the camera model.
        depth: float32 [H, W], clean distance along the optical axis, mm; FAR_MM where
            the element is absent.
        alpha: float32 [H, W], fraction of the pixel the element covers, 0..1.
        ir: float32 [H, W] or None, how well the depth sensor sees the surface (0 = a
            dark, shiny or transparent surface that reads as a hole, 1 = matte); None
            means 1 everywhere. It must not depend on anything that only one modality
            may show (e.g. the hand's palm or back side).
    """

    rgb: np.ndarray
    depth: np.ndarray
    alpha: np.ndarray
    ir: np.ndarray | None = None


@dataclass
class Composite:
    """A composed frame before the sensors.

    Attributes:
        rgb: float32 [H, W, 3].
        depth: float32 [H, W], mm of the front surface (FAR_MM where nothing at all).
        ir: float32 [H, W], 0..1 (see `Layer.ir`).
        front: int16 [H, W], index of the layer in front at each pixel (-1: none).
    """

    rgb: np.ndarray
    depth: np.ndarray
    ir: np.ndarray
    front: np.ndarray


def composite(layers: Sequence[Layer]) -> Composite:
    """Composes layers by depth (nearest in front), colour blended by coverage.

    A pixel's depth and IR come from its front layer where that layer covers at least half
    of it, else from the nearest layer behind; colour is painted far to near, each layer
    over the accumulated colour with its alpha.

    Args:
        layers: at least one; all of the same [H, W].

    Returns:
        The composite.
    """
    if not layers:
        raise ValueError("composite needs at least one layer")
    h, w = layers[0].depth.shape
    depth_stack = np.stack([np.where(l.alpha > 0, l.depth, FAR_MM) for l in layers])  # [L, H, W]
    order = np.argsort(-depth_stack, axis=0, kind="stable")  # far to near per pixel
    rgb = np.zeros((h, w, 3), dtype=np.float32)
    depth = np.full((h, w), FAR_MM, dtype=np.float32)
    ir = np.ones((h, w), dtype=np.float32)
    front = np.full((h, w), -1, dtype=np.int16)
    rows, cols = np.indices((h, w))
    for rank in range(len(layers)):
        idx = order[rank]
        a = np.choose(idx, [l.alpha for l in layers]).astype(np.float32)
        colour = np.stack([np.choose(idx, [l.rgb[..., c] for l in layers]) for c in range(3)], axis=-1)
        rgb = rgb * (1 - a)[..., None] + colour * a[..., None]
        d = depth_stack[idx, rows, cols]
        solid = a >= 0.5
        depth = np.where(solid, d, depth)
        layer_ir = np.choose(idx, [np.ones((h, w), np.float32) if l.ir is None else l.ir for l in layers])
        ir = np.where(solid, layer_ir, ir)
        front = np.where(solid, idx.astype(np.int16), front)
    return Composite(rgb=rgb.astype(np.float32), depth=depth, ir=ir.astype(np.float32), front=front)
