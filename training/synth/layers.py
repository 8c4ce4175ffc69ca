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


def _bbox(alpha: np.ndarray) -> tuple[slice, slice] | None:
    rows = np.flatnonzero(alpha.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(alpha.any(axis=0))
    return slice(int(rows[0]), int(rows[-1]) + 1), slice(int(cols[0]), int(cols[-1]) + 1)


def composite(layers: Sequence[Layer], overlay: Sequence[Layer] = ()) -> Composite:
    """Composes layers by depth, nearest in front, colour blended by coverage.

    `layers` are painted far to near in the order of their nearest covered point; a pixel
    of a layer shows only where it is nearer than what is already there (a depth test).
    `overlay` layers (the gesturer: body, arm, hand, back to front) are then painted over
    them in their given order without a depth test, so the colour image never depends on
    how far the hand is (push and pull look the same in colour, as the classes require).
    Depth, IR and `front` come from the nearest layer covering at least half a pixel,
    overlay included.

    Args:
        layers: at least one; all of the same [H, W].
        overlay: layers painted last, in order.

    Returns:
        The composite.
    """
    if not layers:
        raise ValueError("composite needs at least one layer")
    h, w = layers[0].depth.shape
    rgb = np.zeros((h, w, 3), dtype=np.float32)
    depth = np.full((h, w), FAR_MM, dtype=np.float32)
    ir = np.ones((h, w), dtype=np.float32)
    front = np.full((h, w), -1, dtype=np.int16)
    everything = [*layers, *overlay]
    boxes = [_bbox(layer.alpha > 0) for layer in everything]
    nearest = [
        float(layer.depth[box][layer.alpha[box] > 0].min()) if box else 0.0 for layer, box in zip(everything, boxes)
    ]
    order = sorted((i for i in range(len(everything)) if boxes[i] is not None), key=lambda i: -nearest[i])
    n_scene = len(layers)
    scene_depth = depth.copy()  # the colour test of scene layers sees the scene only
    for i in order:  # depth for every layer; colour for the scene's
        layer, (ys, xs) = everything[i], boxes[i]
        if i < n_scene:
            seen = np.where(layer.depth[ys, xs] < scene_depth[ys, xs], layer.alpha[ys, xs], np.float32(0))
            rgb[ys, xs] = rgb[ys, xs] * (1 - seen)[..., None] + layer.rgb[ys, xs] * seen[..., None]
            scene_depth[ys, xs] = np.where(seen >= 0.5, layer.depth[ys, xs], scene_depth[ys, xs])
        a = np.where(layer.depth[ys, xs] < depth[ys, xs], layer.alpha[ys, xs], np.float32(0))
        solid = a >= 0.5
        depth[ys, xs] = np.where(solid, layer.depth[ys, xs], depth[ys, xs])
        layer_ir = np.float32(1) if layer.ir is None else layer.ir[ys, xs]
        ir[ys, xs] = np.where(solid, layer_ir, ir[ys, xs])
        front[ys, xs] = np.where(solid, np.int16(i), front[ys, xs])
    for layer, box in zip(overlay, boxes[n_scene:]):  # colour of the overlay, in its order
        if box is None:
            continue
        ys, xs = box
        a = layer.alpha[ys, xs]
        rgb[ys, xs] = rgb[ys, xs] * (1 - a)[..., None] + layer.rgb[ys, xs] * a[..., None]
    return Composite(rgb=rgb, depth=depth, ir=ir, front=front)
