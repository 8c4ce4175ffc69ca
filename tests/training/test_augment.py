"""Depth encodings, temporal sampling and clip-level augmentation."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from model.sampling import eval_indices, segment_bounds
from training.data import (
    ClipTransform,
    encode_depth,
    ntu_crop_box,
    ntu_crop_jet,
    official_transform,
    sample_indices,
)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


# ---------------------------------------------------------------------------- depth encoding


def test_depth_mm_to_grey() -> None:
    depth = np.array([[[500, 2500, 0, 1500, 100, 9000]]], np.uint16)  # [1, 1, 6]
    out = encode_depth(depth, "gray", near_mm=500, far_mm=2500)
    assert out.shape == (1, 1, 6, 3) and out.dtype == np.uint8
    grey = out[0, 0, :, 0]
    assert grey[0] == 255  # near
    assert grey[1] == 0  # far
    assert grey[2] == 0  # missing
    assert grey[3] == 128  # half way (127.5 rounded)
    assert grey[4] == 255 and grey[5] == 0  # clipped
    assert (out[..., 0] == out[..., 1]).all() and (out[..., 1] == out[..., 2]).all()
    assert (encode_depth(depth, "grey", 500, 2500) == out).all()


def test_jet_and_jet_bgr_are_channel_reversed(rng: np.random.Generator) -> None:
    depth = rng.integers(0, 4000, (2, 8, 8)).astype(np.uint16)
    jet = encode_depth(depth, "jet", 300, 3000)
    bgr = encode_depth(depth, "jet_bgr", 300, 3000)
    assert jet.shape == (2, 8, 8, 3)
    np.testing.assert_array_equal(jet, bgr[..., ::-1])
    grey = encode_depth(depth, "gray", 300, 3000)[0, ..., 0]
    np.testing.assert_array_equal(bgr[0], cv2.applyColorMap(grey, cv2.COLORMAP_JET))


def test_8bit_depth_inputs(rng: np.random.Generator) -> None:
    grey = rng.integers(0, 256, (3, 8, 8), dtype=np.uint8)
    np.testing.assert_array_equal(encode_depth(grey, "gray", 0, 1), np.repeat(grey[..., None], 3, -1))
    coloured = rng.integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    assert encode_depth(coloured, "jet", 0, 1) is coloured
    with pytest.raises(ValueError, match="unknown depth encoding"):
        encode_depth(grey, "viridis", 0, 1)
    with pytest.raises(ValueError, match="near_mm must be < far_mm"):
        encode_depth(grey.astype(np.uint16), "gray", 2000, 1000)
    with pytest.raises(ValueError, match="uint16"):
        encode_depth(grey.astype(np.float32), "gray", 0, 1)


def test_ntu_crop_jet() -> None:
    frame = np.zeros((300, 400), np.uint8)
    frame[100:200, 200:260] = 180  # the subject
    frame[5:7, 5:7] = 255  # speckle: removed by the erosion
    x0, y0, x1, y1 = ntu_crop_box(frame)
    # Centre of the subject ~(229.5, 149.5); the box is centred there: left ~69, top ~29.
    assert 68 <= x0 <= 71 and 28 <= y0 <= 31
    assert (x1, y1) == (x0 + 320, y0 + 240)
    out = ntu_crop_jet(frame)
    assert out.shape == (y1 - y0, x1 - x0, 3)
    np.testing.assert_array_equal(out, cv2.applyColorMap(frame[y0:y1, x0:x1].copy(), cv2.COLORMAP_JET))
    assert ntu_crop_jet(frame, out_size=(320, 240)).shape == (240, 320, 3)
    assert ntu_crop_box(np.zeros((50, 60), np.uint8)) == (0, 0, 60, 50)  # nothing found: whole frame


# ---------------------------------------------------------------------------- temporal sampling


def test_sample_indices_eval_and_train(rng: np.random.Generator) -> None:
    assert sample_indices(100, 16, train=False, rng=rng) == eval_indices(100, 16)
    idx = sample_indices(100, 16, train=True, rng=rng)
    assert all(lo <= i < hi for i, (lo, hi) in zip(idx, segment_bounds(100, 16), strict=True))
    a = sample_indices(50, 8, True, np.random.default_rng(3))
    b = sample_indices(50, 8, True, np.random.default_rng(3))
    assert a == b
    assert sample_indices(5, 8, True, torch.Generator().manual_seed(0)) == [0, 0, 1, 1, 2, 3, 3, 4]
    assert sample_indices(5, 8, False) == [0, 0, 1, 1, 2, 3, 3, 4]
    with pytest.raises(ValueError, match="n_frames"):
        sample_indices(0, 8, True, rng)


# ---------------------------------------------------------------------------- augmentation


def clip(rng: np.random.Generator, t: int = 4, h: int = 48, w: int = 64) -> np.ndarray:
    return rng.integers(0, 256, (t, h, w, 3), dtype=np.uint8)


def test_output_shape_and_dtype(rng: np.random.Generator) -> None:
    tf = ClipTransform(resize=(40, 40), crop=32, rotate_deg=10, rotate_p=1.0)
    frames = clip(rng)
    for train in (True, False):
        out = tf.apply(frames, tf.sample_params(rng, train=train))
        assert out.shape == (4, 32, 32, 3) and out.dtype == np.uint8
    assert tf.apply(frames[..., 0], tf.eval_params()).shape == (4, 32, 32)


def test_same_params_same_output_for_both_modalities(rng: np.random.Generator) -> None:
    tf = ClipTransform(resize=(40, 36), crop=32, rotate_deg=30, rotate_p=1.0, flip_p=0.5)
    rgb = clip(rng)
    depth3 = rgb.copy()
    depth1 = np.ascontiguousarray(rgb[..., 0])
    for _ in range(3):
        params = tf.sample_params(rng)
        out_rgb, out_depth = tf.apply_pair(rgb, depth3, params)
        np.testing.assert_array_equal(out_rgb, out_depth)
        np.testing.assert_array_equal(tf.apply(depth1, params), out_rgb[..., 0])


def test_same_params_for_every_frame(rng: np.random.Generator) -> None:
    tf = ClipTransform(resize=(40, 40), crop=32, rotate_deg=20, rotate_p=1.0, flip_p=0.5)
    frames = np.repeat(clip(rng, t=1), 5, axis=0)
    out = tf.apply(frames, tf.sample_params(rng))
    assert all((out[t] == out[0]).all() for t in range(5))


def test_eval_is_deterministic_centre_crop(rng: np.random.Generator) -> None:
    tf = ClipTransform(resize=(64, 48), crop=32, rotate_deg=45, rotate_p=1.0, flip_p=1.0)
    frames = clip(rng)  # already 64 x 48: no resampling
    p1 = tf.sample_params(np.random.default_rng(1), train=False)
    p2 = tf.sample_params(np.random.default_rng(2), train=False)
    assert p1 == p2 == tf.eval_params() == {"x0": 16, "y0": 8, "angle": 0.0, "flip": False}
    np.testing.assert_array_equal(tf.apply(frames, p1), frames[:, 8:40, 16:48])


def test_flip_reverses_columns(rng: np.random.Generator) -> None:
    tf = ClipTransform(resize=(40, 40), crop=32)
    frames = clip(rng)
    params = {"x0": 3, "y0": 5, "angle": 0.0, "flip": False}
    plain = tf.apply(frames, params)
    flipped = tf.apply(frames, {**params, "flip": True})
    np.testing.assert_array_equal(flipped, plain[:, :, ::-1])


def test_flip_disabled_by_default(rng: np.random.Generator) -> None:
    tf = ClipTransform(resize=(40, 40), crop=32)
    assert tf.flip_p == 0.0
    assert not any(tf.sample_params(rng)["flip"] for _ in range(50))
    flips = [ClipTransform(resize=(40, 40), crop=32, flip_p=1.0).sample_params(rng)["flip"] for _ in range(5)]
    assert all(flips)


def test_rotation_about_the_centre(rng: np.random.Generator) -> None:
    tf = ClipTransform(resize=(32, 32), crop=32)
    frames = clip(rng, h=32, w=32)
    out = tf.apply(frames, {"x0": 0, "y0": 0, "angle": 90.0, "flip": False})
    np.testing.assert_array_equal(out, np.rot90(frames, k=1, axes=(1, 2)))


def test_random_crop_positions(rng: np.random.Generator) -> None:
    tf = ClipTransform(resize=(40, 36), crop=32, rotate_p=0.0)
    params = [tf.sample_params(rng) for _ in range(40)]
    assert all(0 <= p["x0"] <= 8 and 0 <= p["y0"] <= 4 and p["angle"] == 0.0 for p in params)
    assert len({(p["x0"], p["y0"]) for p in params}) > 5


def test_settings_and_validation() -> None:
    assert ClipTransform.for_model(112).resize == (128, 128)
    thu = official_transform("THU-READ", crop=112)
    assert (thu.resize, thu.crop, thu.flip_p) == ((160, 120), 112, 0.5)
    assert (thu.rotate_deg, thu.rotate_p) == (45.0, 0.8)
    nv = official_transform("nvgesture")
    assert (nv.resize, nv.crop, nv.flip_p) == ((256, 256), 224, 0.0)
    assert official_transform("ntu", flip_p=0.0).flip_p == 0.0
    with pytest.raises(ValueError, match="crop"):
        ClipTransform(resize=(30, 40), crop=32)
    with pytest.raises(ValueError, match="flip_p"):
        ClipTransform(flip_p=1.5)
    with pytest.raises(ValueError, match="unknown dataset"):
        official_transform("kinetics")
    with pytest.raises(ValueError, match="does not fit"):
        ClipTransform(resize=(40, 40), crop=32).apply(
            np.zeros((1, 40, 40, 3), np.uint8), {"x0": 9, "y0": 0, "angle": 0.0, "flip": False}
        )
