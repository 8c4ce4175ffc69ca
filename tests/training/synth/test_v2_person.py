"""Tests of the v2 gesturer (training/synth/person): shapes, ranges, determinism, and the
class-defining invariances (image independent of z, depth independent of flip)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from training.synth.camera import Camera
from training.synth.layers import FAR_MM, composite
from training.synth.light import Light
from training.synth.person import HAND_MODELS, render_person, sample_person, sample_placement
from training.synth.person.hand import THUMB, HandShape, draw_hand
from training.synth.person.raster import Canvas
from training.synth.pose import HandPose

CAM = Camera(128, 65)
LIGHT = Light((-0.4, -0.5, -0.77), (0.9, 0.85, 0.8), (0.35, 0.35, 0.38))
ENTRIES = ("body", "bottom", "left", "right")


def _setup(seed: int, model: str, entry: str, **person_overrides):
    rng = np.random.default_rng(seed)
    person = sample_person(rng, model)
    if person_overrides:
        person = dataclasses.replace(person, **person_overrides)
    body = 950.0 if entry == "body" else None
    placement = sample_placement(rng, person, CAM, entry, (450.0, 550.0), body)
    return person, placement


def _pose(placement, **kw) -> HandPose:
    args = dict(present=True, x=64.0, y=60.0, angle=0.1, z=placement.hand_depth_mm, openness=1.0)
    args.update(kw)
    return HandPose(**args)


@pytest.mark.parametrize("model", HAND_MODELS)
@pytest.mark.parametrize("entry", ENTRIES)
def test_shapes_dtypes_ranges(model: str, entry: str) -> None:
    person, placement = _setup(1, model, entry)
    layers, mask = render_person(person, placement, _pose(placement, openness=0.4), 5, CAM, LIGHT)
    assert mask.dtype == bool and mask.shape == (128, 128) and mask.any()
    assert len(layers) >= 2
    for layer in layers:
        assert layer.rgb.shape == (128, 128, 3) and layer.rgb.dtype == np.float32
        assert layer.depth.shape == (128, 128) and layer.depth.dtype == np.float32
        assert layer.alpha.dtype == np.float32 and layer.ir is not None and layer.ir.dtype == np.float32
        assert np.all((layer.alpha >= 0) & (layer.alpha <= 1))
        assert np.all((layer.rgb >= 0) & (layer.rgb <= 255))
        assert np.all((layer.ir >= 0) & (layer.ir <= 1))
        covered = layer.alpha >= 0.5
        assert np.all(layer.depth[covered] < 5000) and np.all(layer.depth[covered] > 100)
        assert np.all(layer.depth[layer.alpha == 0] == FAR_MM)
    # Anti-aliased edges: some pixels partly covered.
    hand = layers[-1]
    assert np.any((hand.alpha > 0.05) & (hand.alpha < 0.95))
    assert np.array_equal(mask, hand.alpha >= 0.5)
    composite(layers)


@pytest.mark.parametrize("model", HAND_MODELS)
@pytest.mark.parametrize("entry", ["body", "bottom"])
def test_image_never_depends_on_z(model: str, entry: str) -> None:
    person, placement = _setup(2, model, entry)
    near = _pose(placement, openness=0.6, tilt=0.3, z=placement.hand_depth_mm - 150)
    far = dataclasses.replace(near, z=placement.hand_depth_mm + 100)
    la, ma = render_person(person, placement, near, 7, CAM, LIGHT)
    lb, mb = render_person(person, placement, far, 7, CAM, LIGHT)
    assert np.array_equal(ma, mb) and len(la) == len(lb)
    for a, b in zip(la, lb):
        assert np.array_equal(a.rgb, b.rgb)
        assert np.array_equal(a.alpha, b.alpha)
    hand_a, hand_b = la[-1], lb[-1]
    solid = hand_a.alpha > 0
    assert np.allclose(hand_b.depth[solid] - hand_a.depth[solid], 250.0, atol=0.05)
    arm_a, arm_b = la[-2], lb[-2]
    shift = arm_b.depth[arm_a.alpha >= 0.5] - arm_a.depth[arm_a.alpha >= 0.5]
    assert shift.max() > 100  # the arm follows the wrist back and forth
    if entry == "body":
        assert np.array_equal(la[0].depth, lb[0].depth)  # the body stays


@pytest.mark.parametrize("model", HAND_MODELS)
def test_depth_never_depends_on_flip(model: str) -> None:
    person, placement = _setup(3, model, "body", watch=True)
    palm = _pose(placement, openness=0.8, flip=0.0)
    half = dataclasses.replace(palm, flip=0.5)
    back = dataclasses.replace(palm, flip=1.0)
    la, ma = render_person(person, placement, palm, 3, CAM, LIGHT)
    for other in (half, back):
        lb, mb = render_person(person, placement, other, 3, CAM, LIGHT)
        assert np.array_equal(ma, mb)
        for a, b in zip(la, lb):
            assert np.array_equal(a.depth, b.depth)
            assert np.array_equal(a.alpha, b.alpha)
            assert np.array_equal(a.ir, b.ir)
    lb, _ = render_person(person, placement, back, 3, CAM, LIGHT)
    hand = ma
    lum_palm = la[-1].rgb[hand].mean()
    lum_back = lb[-1].rgb[hand].mean()
    assert lum_palm > lum_back * 1.08  # the palm side is lighter
    lh, _ = render_person(person, placement, half, 3, CAM, LIGHT)
    diff = np.abs(lh[-1].rgb - la[-1].rgb).sum(-1)[hand]
    assert 0.2 < np.mean(diff > 1) < 0.9  # a half flip changes part of the hand (a sweep)


def _hand_canvas(model: str, openness: float, handed: int = 1, tilt: float = 0.0, x: float = 63.5):
    person, _ = _setup(4, model, "bottom")
    canvas = Canvas(128)
    shape = HandShape(x, 70.0, 0.0, 500.0, openness, 0.0, 0.5, tilt, handed, 0.5)
    draw_hand(canvas, person, shape)
    return canvas


@pytest.mark.parametrize("model", HAND_MODELS)
def test_fist_folds_towards_camera(model: str) -> None:
    open_ = _hand_canvas(model, 1.0)
    fist = _hand_canvas(model, 0.0)
    half = _hand_canvas(model, 0.5)

    def top(c):
        rows = np.nonzero((c.alpha >= 0.5).any(axis=1))[0]
        return rows.min()

    # Fingers extend upwards when open; projected length shrinks as the hand closes.
    assert top(open_) < top(half) < top(fist)
    assert (open_.alpha >= 0.5).sum() > (half.alpha >= 0.5).sum() > (fist.alpha >= 0.5).sum()
    # Curled fingers come towards the camera: the nearest point of a fist is nearer.
    assert fist.depth.min() < open_.depth.min() - 10


def test_tilt_foreshortens_and_brings_fingers_near() -> None:
    flat = _hand_canvas("articulated", 1.0)
    tilted = _hand_canvas("articulated", 1.0, tilt=0.55)
    h_flat = np.ptp(np.nonzero((flat.alpha >= 0.5).any(axis=1))[0])
    h_tilt = np.ptp(np.nonzero((tilted.alpha >= 0.5).any(axis=1))[0])
    assert h_tilt < h_flat * 0.92
    rows = np.arange(128)[:, None] * np.ones((1, 128))
    top_flat = flat.depth[(flat.alpha >= 0.5) & (rows < 45)].mean()
    top_tilt = tilted.depth[(tilted.alpha >= 0.5) & (rows < 45)].mean()
    assert top_tilt < top_flat - 20


@pytest.mark.parametrize("model", HAND_MODELS)
def test_left_and_right_hands_are_mirror_images(model: str) -> None:
    right = _hand_canvas(model, 0.8, handed=1)
    left = _hand_canvas(model, 0.8, handed=-1)
    assert np.allclose(right.alpha, left.alpha[:, ::-1], atol=1e-3)
    solid = right.alpha > 0
    assert np.allclose(right.depth[solid], left.depth[:, ::-1][solid], atol=0.05)
    # A right hand with its palm to the camera has its thumb on the image right.
    cols = np.nonzero(right.part >= THUMB)[1] if model != "capsule" else np.nonzero(right.part == THUMB + 1)[1]
    assert cols.mean() > 63.5


def test_hand_size_fixed_by_placement() -> None:
    person, placement = _setup(5, "articulated", "bottom")
    _, mask = render_person(person, placement, _pose(placement, angle=0.0, openness=0.0), 0, CAM, LIGHT)
    cols = np.nonzero(mask.any(axis=0))[0]
    width = cols.max() - cols.min() + 1
    assert 0.8 * placement.hand_px < width < 1.8 * placement.hand_px
    assert placement.hand_px == pytest.approx(person.palm_width_mm * CAM.focal_px / placement.hand_depth_mm)


def test_absent_hand_and_mask_excludes_arm() -> None:
    person, placement = _setup(6, "mitten", "body")
    layers, mask = render_person(person, placement, _pose(placement, present=False), 0, CAM, LIGHT)
    assert not mask.any()
    assert len(layers) == 1 + 2 * placement.idle
    layers, mask = render_person(person, placement, _pose(placement), 0, CAM, LIGHT)
    arm = layers[-2]
    assert np.any((arm.alpha >= 0.5) & ~mask)


def test_hand_partly_outside_frame() -> None:
    person, placement = _setup(7, "articulated", "left")
    for x, y in ((-8.0, 60.0), (135.0, 60.0), (64.0, -10.0), (64.0, 140.0), (-500.0, 60.0)):
        layers, mask = render_person(person, placement, _pose(placement, x=x, y=y), 0, CAM, LIGHT)
        assert mask.sum() < 400
        for layer in layers:
            assert np.isfinite(layer.rgb).all() and np.isfinite(layer.depth).all()


def test_deterministic_and_sway() -> None:
    out = []
    for _ in range(2):
        person, placement = _setup(8, "articulated", "body")
        layers, mask = render_person(person, placement, _pose(placement, openness=0.3), 11, CAM, LIGHT)
        out.append((layers, mask))
    for a, b in zip(out[0][0], out[1][0]):
        assert np.array_equal(a.rgb, b.rgb) and np.array_equal(a.depth, b.depth)
    person, placement = _setup(8, "articulated", "body")
    later, _ = render_person(person, placement, _pose(placement, openness=0.3), 40, CAM, LIGHT)
    assert not np.array_equal(later[0].alpha, out[0][0][0].alpha)  # the body sways over t


def test_sampling_ranges_and_errors() -> None:
    rng = np.random.default_rng(9)
    for _ in range(50):
        person = sample_person(rng, "capsule")
        assert 60 <= person.palm_width_mm <= 95
        assert person.handed in (1, -1)
        assert person.sleeve in ("bare", "short", "long")
        assert 0 < person.sleeve_ir <= 1
    with pytest.raises(ValueError):
        sample_person(rng, "claw")
    with pytest.raises(ValueError):
        sample_placement(rng, person, CAM, "body", (400, 500), None)
    with pytest.raises(ValueError):
        sample_placement(rng, person, CAM, "top", (400, 500), None)
