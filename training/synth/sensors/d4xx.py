"""A RealSense D4xx active-stereo depth sensor, aligned to colour (SynthGesture v2).

Depth comes from the disparity between a left (reference) and a right infrared imager
`baseline_mm` apart: disparity = f * B / z in native pixels. Everything the sensor gets wrong
follows from that geometry and from the stereo matcher:

- noise and quantisation live in disparity, so depth noise grows with z^2 and slanted planes
  show terraces; the matcher's window makes the noise blobby rather than white;
- the right imager cannot see background just left of a near object (the occlusion band,
  f * B * (1/z_near - 1/z_far) wide) nor the leftmost strip of the frame;
- matching windows that straddle a depth edge give flying pixels between foreground and
  background, or nothing;
- a weak infrared return (dark, shiny, transparent or distant surfaces) or a washed-out pattern
  (sunlight) gives spatially coherent holes.

Our frames are a square crop of the aligned stream, downsampled to `size` px, so the native
focal length (which sets noise and quantisation) is kept apart from the output frame's focal
length (which sets widths in output pixels). Per-pixel work uses basic arithmetic only, and
every frame draws the same number of random values whatever its content.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.randomness import uniform, upsample_bilinear

D4XX_MODELS = ("d435", "d415", "d455")
"""Sensor models `sample_d4xx` knows."""

MAX_PATCHES = 3
"""Most sunlight / texture-less hole patches of one recording (always drawn per frame)."""

INVALID_FROM_MM = 1e8
"""Clean depths at or beyond this mean 'no surface' (the layers' FAR_MM)."""


@dataclass(frozen=True)
class _ModelSpec:
    baseline_mm: float
    hfov_deg: float  # depth imager's horizontal field of view
    min_range_mm: tuple[float, float]
    max_range_mm: tuple[float, float]
    disparity_sigma_px: tuple[float, float]  # subpixel RMS of the matcher, native px
    hole_fill_p: float
    patch_p: float


_MODELS = {
    "d435": _ModelSpec(50.0, 87.0, (170.0, 220.0), (3000.0, 6000.0), (0.05, 0.11), 0.3, 0.35),
    "d415": _ModelSpec(55.0, 65.0, (230.0, 300.0), (4000.0, 7000.0), (0.05, 0.10), 0.3, 0.3),
    "d455": _ModelSpec(95.0, 87.0, (260.0, 300.0), (5000.0, 9000.0), (0.05, 0.10), 0.3, 0.25),
}

_KERNEL3 = np.ones((3, 3), dtype=np.uint8)


@dataclass(frozen=True)
class D4xxSensor:
    """The depth sensor of one recording.

    Attributes:
        model: one of D4XX_MODELS.
        size: output frame side, px.
        native_width: width of the native depth stream, px (848 or 640; height 480).
        native_focal_px: focal length of the native depth stream, px (sets noise and
            quantisation).
        baseline_mm: distance between the infrared imagers, mm.
        out_focal_px: focal length of the output frame, px (sets widths of bands in output px).
        min_range_mm: nearer surfaces read 0.
        max_range_mm: farther surfaces read 0.
        disparity_sigma_px: standard deviation of the disparity noise, native px.
        temporal_fraction: share (0..1) of that noise that is white and changes every pixel;
            the rest is blobby.
        blob_px: side of the box that correlates the blobby noise, output px.
        subpixel_step: disparity quantisation step, native px (1/32 to 1/8).
        edge_rel: a pixel lies on a depth edge where its 3x3 depth range exceeds
            `edge_rel` * depth + 20 mm.
        edge_drop: probability that an edge pixel reads 0.
        flying_prob: probability that an edge pixel reads a depth between foreground and
            background.
        speckle_prob: probability that any pixel reads 0.
        ir_threshold: IR reliability below which holes start (0..1).
        ir_softness: spread of the hole threshold, coherent over a few px (higher: patchier).
        ir_falloff: loss of IR reliability at the maximum range (falls with z^2).
        left_strip_px: extra width of the invalid strip at the left border, output px
            (negative: the native border lies outside the crop, no strip).
        hole_fill: whether holes are filled from their left neighbour (librealsense hole
            filling filter, mode 'fill from left').
        shift: (dx, dy) whole-pixel misalignment of depth on colour, output px.
        static_field: float32 [H, W] 0..1, the recording's fixed pattern of hole proneness.
        static_mix: weight (0..1) of `static_field` against a per-frame field.
        patch_bits: uint8 [H, W], bit k set inside hole patch k (sunlight, texture-less).
        patch_prob: probability that a patch is present in a frame.
        patch_density: fraction of a present patch that reads 0.
    """

    model: str
    size: int
    native_width: int
    native_focal_px: float
    baseline_mm: float
    out_focal_px: float
    min_range_mm: float
    max_range_mm: float
    disparity_sigma_px: float
    temporal_fraction: float
    blob_px: int
    subpixel_step: float
    edge_rel: float
    edge_drop: float
    flying_prob: float
    speckle_prob: float
    ir_threshold: float
    ir_softness: float
    ir_falloff: float
    left_strip_px: float
    hole_fill: bool
    shift: tuple[int, int]
    static_field: np.ndarray
    static_mix: float
    patch_bits: np.ndarray
    patch_prob: float
    patch_density: float

    @property
    def disparity_scale(self) -> float:
        """f * B of the native stream, px * mm (disparity = disparity_scale / z)."""
        return self.native_focal_px * self.baseline_mm

    def depth_sigma_mm(self, z_mm: float) -> float:
        """Standard deviation of the depth noise at `z_mm` before quantisation, mm."""
        return z_mm * z_mm * self.disparity_sigma_px / self.disparity_scale


def _grid_side(size: int) -> int:
    return max(2, size // 8)


def _sample_optics(
    rng: np.random.Generator, spec: _ModelSpec, size: int, fov_deg: float | None
) -> tuple[int, float, float]:
    """Draws the native stream's width (848 or 640) and, always, an output field of view.

    Returns:
        (native_width px, native_focal_px, out_focal_px): the output focal length for a
        `size` px frame of `fov_deg` degrees (the drawn 55..70 degrees when None).
    """
    native_width = 848 if rng.random() < 0.6 else 640
    native_focal = native_width / 2 / math.tan(math.radians(spec.hfov_deg) / 2)
    drawn_fov = uniform(rng, (55.0, 70.0))
    fov = drawn_fov if fov_deg is None else float(fov_deg)
    out_focal = size / 2 / math.tan(math.radians(fov) / 2)
    return native_width, native_focal, out_focal


def _sample_static_field(rng: np.random.Generator, size: int) -> np.ndarray:
    """The recording's fixed pattern of hole proneness: float32 [size, size] 0..1, smooth
    (bilinear from a (size // 8)^2 grid)."""
    grid = _grid_side(size)
    static_small = rng.random((grid, grid), dtype=np.float32)
    return upsample_bilinear(static_small, size, size)


def _sample_patch_bits(rng: np.random.Generator, size: int, patch_p: float) -> np.ndarray:
    """Hole patches (sunlight, texture-less): with probability `patch_p`, 1..MAX_PATCHES
    ellipses; always draws MAX_PATCHES of them.

    Returns:
        uint8 [size, size], bit k set inside patch k.
    """
    has_patches = rng.random() < patch_p
    n_patches = int(rng.integers(1, MAX_PATCHES + 1)) * int(has_patches)
    patches = rng.random((MAX_PATCHES, 5))
    bits = np.zeros((size, size), dtype=np.uint8)
    for k in range(n_patches):
        cx, cy, rx, ry, angle = patches[k]
        layer = np.zeros((size, size), dtype=np.uint8)
        axes = (int(round((0.06 + 0.2 * rx) * size)), int(round((0.04 + 0.15 * ry) * size)))
        centre = (int(round(cx * size)), int(round(cy * size)))
        cv2.ellipse(layer, centre, axes, float(round(angle * 180)), 0, 360, 1, -1)
        bits |= layer << k
    return bits


def _sample_errors(rng: np.random.Generator, spec: _ModelSpec) -> dict:
    """Draws the ranges, noise, edge, hole and hole-filling settings of a `D4xxSensor`, in a
    fixed order.

    Returns:
        The matching `D4xxSensor` fields by name (min_range_mm .. patch_density, all but
        the geometry, blob_px, subpixel_step, left_strip_px, shift, static_field, patch_bits).
    """
    return dict(
        min_range_mm=uniform(rng, spec.min_range_mm),
        max_range_mm=uniform(rng, spec.max_range_mm),
        disparity_sigma_px=uniform(rng, spec.disparity_sigma_px),
        temporal_fraction=uniform(rng, (0.15, 0.4)),
        edge_rel=uniform(rng, (0.03, 0.08)),
        edge_drop=uniform(rng, (0.15, 0.5)),
        flying_prob=uniform(rng, (0.1, 0.4)),
        speckle_prob=uniform(rng, (0.0, 0.003)),
        ir_threshold=uniform(rng, (0.12, 0.35)),
        ir_softness=uniform(rng, (0.1, 0.3)),
        ir_falloff=uniform(rng, (0.1, 0.5)),
        hole_fill=bool(rng.random() < spec.hole_fill_p),
        static_mix=uniform(rng, (0.3, 0.8)),
        patch_prob=uniform(rng, (0.5, 1.0)),
        patch_density=uniform(rng, (0.4, 0.9)),
    )


def sample_d4xx(rng: np.random.Generator, size: int, model: str, fov_deg: float | None = None) -> D4xxSensor:
    """Draws the depth sensor of one recording.

    Args:
        rng: random source.
        size: output frame side, px.
        model: one of D4XX_MODELS.
        fov_deg: field of view of the output frame (the colour camera's), degrees; None draws
            one from 55..70 (a D435-like colour crop). Always one value is drawn for it.

    Raises:
        ValueError: for an unknown model.
    """
    if model not in _MODELS:
        raise ValueError(f"unknown D4xx model {model!r}; expected one of {D4XX_MODELS}")
    spec = _MODELS[model]
    native_width, native_focal, out_focal = _sample_optics(rng, spec, size, fov_deg)
    scale = out_focal / native_focal  # output px per native px

    blob_native = uniform(rng, (7.0, 25.0))  # matching window and its smearing, native px
    step = float(rng.choice([1 / 32, 1 / 16, 1 / 8], p=[0.4, 0.4, 0.2]))
    left_strip = uniform(rng, (-1.0, 1.0)) * 3.0 * scale * native_width / 640
    static_field = _sample_static_field(rng, size)
    bits = _sample_patch_bits(rng, size, spec.patch_p)
    dx, dy = (int(v) for v in rng.integers(-2, 3, size=2))
    aligned = rng.random() < 0.4
    errors = _sample_errors(rng, spec)
    return D4xxSensor(
        model=model,
        size=size,
        native_width=native_width,
        native_focal_px=native_focal,
        baseline_mm=spec.baseline_mm,
        out_focal_px=out_focal,
        blob_px=max(1, int(round(blob_native * scale))),
        subpixel_step=step,
        left_strip_px=left_strip,
        shift=(0, 0) if aligned else (dx, dy),
        static_field=static_field,
        patch_bits=bits,
        **errors,
    )


def _box(values: np.ndarray, k: int) -> np.ndarray:
    """Mean over a k x k box (edge-padded) through cumulative sums: float32 [H, W]."""
    if k <= 1:
        return values
    h, w = values.shape
    lo = k // 2
    padded = np.pad(values, ((lo + 1, k - lo - 1), (lo + 1, k - lo - 1)), mode="edge").astype(np.float64)
    padded[0, :] = 0
    padded[:, 0] = 0
    csum = padded.cumsum(axis=0).cumsum(axis=1)
    total = csum[k:, k:] - csum[:-k, k:] - csum[k:, :-k] + csum[:-k, :-k]
    return (total[:h, :w] * (1.0 / (k * k))).astype(np.float32)


def _shift(image: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Moves an image by whole pixels (right, down), filling with zeros."""
    if dx == 0 and dy == 0:
        return image
    h, w = image.shape
    out = np.zeros_like(image)
    out[max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)] = image[
        max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)
    ]
    return out


def _fill_from_left(depth: np.ndarray) -> np.ndarray:
    """Replaces each 0 by the nearest valid value to its left on the row (leading 0s stay)."""
    h, w = depth.shape
    idx = np.where(depth > 0, np.arange(w)[None, :], 0)
    idx = np.maximum.accumulate(idx, axis=1)
    return depth[np.arange(h)[:, None], idx]


def _frame_draws(rng: np.random.Generator, h: int, w: int, grid: int) -> tuple[np.ndarray, ...]:
    """The frame's random values, always in this order and number.

    Returns:
        (blob_white, temporal_white, draw, frame_small, patch_draw): float32 [H, W] standard
        normals twice, float32 [H, W] uniforms, float32 [grid, grid] uniforms and float64
        [MAX_PATCHES] uniforms.
    """
    blob_white = rng.standard_normal((h, w), dtype=np.float32)
    temporal_white = rng.standard_normal((h, w), dtype=np.float32)
    draw = rng.random((h, w), dtype=np.float32)
    frame_small = rng.random((grid, grid), dtype=np.float32)
    patch_draw = rng.random(MAX_PATCHES)
    return blob_white, temporal_white, draw, frame_small, patch_draw


def _occluded(disparity: np.ndarray, sensor: D4xxSensor) -> np.ndarray:
    """Pixels the right imager cannot see: bool [H, W].

    In the right image a pixel lands at x - d; if a pixel to its right lands at or left of
    it, the right imager sees that (nearer) pixel instead. With a non-negative
    `left_strip_px`, pixels landing left of it fall off the right image too.

    Args:
        disparity: float32 [H, W], native px.
        sensor: the recording's sensor.
    """
    h, w = disparity.shape
    d_out = disparity * np.float32(sensor.out_focal_px / sensor.native_focal_px)
    cols = np.arange(w, dtype=np.float32)[None, :]
    right_x = cols - d_out
    suffix_min = np.minimum.accumulate(right_x[:, ::-1], axis=1)[:, ::-1]
    occluded = np.zeros((h, w), dtype=bool)
    occluded[:, :-1] = right_x[:, :-1] > suffix_min[:, 1:]
    if sensor.left_strip_px >= 0:
        occluded |= right_x < np.float32(sensor.left_strip_px)
    return occluded


def _noisy_depth(disparity: np.ndarray, blob_white, temporal_white, sensor: D4xxSensor) -> np.ndarray:
    """Depth from disparity with blobby (matching window) plus a little white noise, then
    sub-pixel steps.

    Args:
        disparity: float32 [H, W], native px.
        blob_white, temporal_white: float32 [H, W] standard normals.
        sensor: the recording's sensor.

    Returns:
        float32 [H, W] depth, mm; 0 where the quantised disparity is about 0.
    """
    fb = np.float32(sensor.disparity_scale)
    k = sensor.blob_px
    blobby = _box(blob_white, k) * np.float32(k)
    tf = sensor.temporal_fraction
    noise = blobby * np.float32(math.sqrt(1 - tf * tf)) + temporal_white * np.float32(tf)
    noisy = disparity + noise * np.float32(sensor.disparity_sigma_px)
    step = np.float32(sensor.subpixel_step)
    quantised = np.rint(noisy / step) * step
    valid_disp = quantised > step * np.float32(0.5)
    return np.where(valid_disp, fb / np.maximum(quantised, step), np.float32(0))


def _depth_edges(zc: np.ndarray, draw: np.ndarray, out: np.ndarray, sensor: D4xxSensor):
    """Depth edges: flying pixels between foreground and background, or dropouts.

    Args:
        zc: float32 [H, W] clean depth, capped, mm.
        draw: float32 [H, W] uniforms.
        out: float32 [H, W] noisy depth, mm.
        sensor: the recording's sensor.

    Returns:
        (out, missing): float32 [H, W] depth with flying pixels, mm; bool [H, W] edge
        dropouts and speckles.
    """
    z_near = cv2.erode(zc, _KERNEL3)
    z_far = cv2.dilate(zc, _KERNEL3)
    spread = z_far - z_near
    edge = spread > np.float32(sensor.edge_rel) * z_near + np.float32(20.0)
    p_drop = np.float32(sensor.edge_drop)
    p_fly = np.float32(sensor.flying_prob)
    flying = edge & (draw >= p_drop) & (draw < p_drop + p_fly)
    frac = (draw - p_drop) / max(p_fly, np.float32(1e-6))
    out = np.where(flying, z_near + frac * spread, out)
    missing = (edge & (draw < p_drop)) | (draw > np.float32(1 - sensor.speckle_prob))
    return out, missing


def _hole_field(sensor: D4xxSensor, frame_small: np.ndarray, temporal_white: np.ndarray) -> np.ndarray:
    """Hole proneness of the frame: the static field mixed with a per-frame one (upsampled
    from float32 [grid, grid] `frame_small`), with ragged borders from `temporal_white`:
    float32 [H, W], about 0..1."""
    h, w = temporal_white.shape
    mix = np.float32(sensor.static_mix)
    field = sensor.static_field * mix + upsample_bilinear(frame_small, h, w) * (1 - mix)
    return field + temporal_white * np.float32(0.03)  # ragged hole borders


def _weak_return(zc: np.ndarray, ir, field: np.ndarray, sensor: D4xxSensor) -> np.ndarray:
    """Weak infrared return: coherent holes, likelier as reliability `ir` (float32 [H, W],
    0..1) falls and with capped depth `zc` (mm): bool [H, W]."""
    rel = zc * np.float32(1.0 / sensor.max_range_mm)
    ir_eff = np.asarray(ir, dtype=np.float32) - np.float32(sensor.ir_falloff) * rel * rel
    threshold = np.float32(sensor.ir_threshold) + np.float32(sensor.ir_softness) * (field - np.float32(0.5))
    return ir_eff < threshold


def _patch_holes(field: np.ndarray, patch_draw: np.ndarray, sensor: D4xxSensor) -> np.ndarray | None:
    """Holes of the patches present in the frame (`patch_draw` [MAX_PATCHES] uniforms):
    bool [H, W], or None when no patch is present."""
    on_bits = sum(1 << k for k in range(MAX_PATCHES) if patch_draw[k] < sensor.patch_prob)
    if not on_bits:
        return None
    in_patch = (sensor.patch_bits & np.uint8(on_bits)) > 0
    return in_patch & (field < np.float32(sensor.patch_density))


def _report(out: np.ndarray, keep: np.ndarray, sensor: D4xxSensor) -> np.ndarray:
    """What the sensor reports: `out` (float32 [H, W], mm) rounded where `keep` and in range,
    else 0, hole-filled if the sensor does so and shifted on colour: uint16 [H, W]."""
    in_range = (out >= np.float32(sensor.min_range_mm)) & (out <= np.float32(sensor.max_range_mm))
    keep = keep & in_range
    result = np.where(keep, np.rint(np.minimum(out, np.float32(65535))), np.float32(0)).astype(np.uint16)
    if sensor.hole_fill:
        result = _fill_from_left(result)
    return _shift(result, *sensor.shift)


def sense_d4xx(depth_mm: np.ndarray, ir: np.ndarray, sensor: D4xxSensor, rng: np.random.Generator) -> np.ndarray:
    """Turns a clean depth frame into what the D4xx reports, aligned to colour.

    Draws 3 H*W + (H//8)^2 + MAX_PATCHES values from `rng` whatever the frame shows.

    Args:
        depth_mm: float32 [H, W], clean depth along the optical axis, mm; >= 1e8 where there
            is no surface.
        ir: float32 [H, W], infrared reliability 0..1 (0: dark, shiny or transparent).
        sensor: the recording's sensor.
        rng: random source for this frame.

    Returns:
        uint16 [H, W] depth, mm, 0 where the sensor reports nothing.
    """
    h, w = depth_mm.shape
    blob_white, temporal_white, draw, frame_small, patch_draw = _frame_draws(rng, h, w, _grid_side(sensor.size))

    z = np.asarray(depth_mm, dtype=np.float32)
    surface = z < np.float32(INVALID_FROM_MM)
    z_cap = np.float32(sensor.max_range_mm * 2.0)
    zc = np.minimum(z, z_cap)  # keeps edge maths finite beside 'nothing'
    fb = np.float32(sensor.disparity_scale)
    disparity = fb / np.maximum(zc, np.float32(1.0))  # native px; ~0 where nothing

    occluded = _occluded(disparity, sensor)
    out = _noisy_depth(disparity, blob_white, temporal_white, sensor)
    out, missing = _depth_edges(zc, draw, out, sensor)
    missing |= occluded
    field = _hole_field(sensor, frame_small, temporal_white)
    missing |= _weak_return(zc, ir, field, sensor)
    patch_holes = _patch_holes(field, patch_draw, sensor)
    if patch_holes is not None:
        missing |= patch_holes
    return _report(out, surface & ~missing, sensor)
