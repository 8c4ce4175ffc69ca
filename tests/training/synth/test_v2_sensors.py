"""Tests of the v2 sensor models: the D4xx depth sensor and the colour camera."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from training.synth.sensors.colour_camera import (
    CAMERA_QUALITIES,
    ColourCamera,
    ExposureState,
    new_exposure_state,
    sample_colour_camera,
    sense_colour,
)
from training.synth.sensors.d4xx import D4XX_MODELS, D4xxSensor, sample_d4xx, sense_d4xx

SIZE = 96
FAR = np.float32(1e9)


def _plain_sensor(model: str = "d435", seed: int = 0, **changes: object) -> D4xxSensor:
    """A sensor with the random hole sources switched off, for measuring one effect."""
    sensor = sample_d4xx(np.random.default_rng(seed), SIZE, model)
    base = {
        "edge_drop": 0.0,
        "flying_prob": 0.0,
        "speckle_prob": 0.0,
        "ir_threshold": -1.0,
        "ir_falloff": 0.0,
        "left_strip_px": -1.0,
        "hole_fill": False,
        "shift": (0, 0),
        "patch_prob": 0.0,
        "max_range_mm": 8000.0,
    }
    base.update(changes)
    return dataclasses.replace(sensor, **base)


def _scene() -> tuple[np.ndarray, np.ndarray]:
    """A wall at 2 m with a near box at 0.6 m and a dark stripe."""
    depth = np.full((SIZE, SIZE), 2000, np.float32)
    depth[30:70, 40:70] = 600
    ir = np.ones((SIZE, SIZE), np.float32)
    ir[:, 80:] = 0.05
    return depth, ir


@pytest.mark.parametrize("model", D4XX_MODELS)
def test_d4xx_shape_dtype_range(model: str) -> None:
    sensor = sample_d4xx(np.random.default_rng(1), SIZE, model)
    depth, ir = _scene()
    out = sense_d4xx(depth, ir, sensor, np.random.default_rng(2))
    assert out.shape == (SIZE, SIZE) and out.dtype == np.uint16
    valid = out[out > 0]
    assert valid.size > SIZE * SIZE // 3
    assert valid.min() >= sensor.min_range_mm - 1 and valid.max() <= sensor.max_range_mm + 1


def test_d4xx_models_differ_and_unknown_model_fails() -> None:
    sensors = {m: sample_d4xx(np.random.default_rng(0), 128, m) for m in D4XX_MODELS}
    assert sensors["d455"].baseline_mm > sensors["d415"].baseline_mm > sensors["d435"].baseline_mm
    assert all(s.native_width in (640, 848) for s in sensors.values())
    assert sensors["d415"].min_range_mm > sensors["d435"].min_range_mm
    with pytest.raises(ValueError):
        sample_d4xx(np.random.default_rng(0), 128, "d999")


def test_d4xx_determinism_and_fixed_draws() -> None:
    depth, ir = _scene()
    a = sense_d4xx(depth, ir, sample_d4xx(np.random.default_rng(5), SIZE, "d435"), np.random.default_rng(9))
    b = sense_d4xx(depth, ir, sample_d4xx(np.random.default_rng(5), SIZE, "d435"), np.random.default_rng(9))
    c = sense_d4xx(depth, ir, sample_d4xx(np.random.default_rng(5), SIZE, "d435"), np.random.default_rng(10))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # the number of draws does not depend on the content
    sensor = sample_d4xx(np.random.default_rng(5), SIZE, "d435")
    r1, r2 = np.random.default_rng(3), np.random.default_rng(3)
    sense_d4xx(depth, ir, sensor, r1)
    sense_d4xx(np.full_like(depth, FAR), np.zeros_like(ir), sensor, r2)
    assert r1.random() == r2.random()


def test_d4xx_noise_grows_with_square_of_distance() -> None:
    sensor = _plain_sensor(disparity_sigma_px=0.08, subpixel_step=1 / 32)
    ir = np.ones((SIZE, SIZE), np.float32)
    stds = {}
    for z in (1000.0, 2500.0):
        frames = [
            sense_d4xx(np.full((SIZE, SIZE), z, np.float32), ir, sensor, np.random.default_rng(k)).astype(np.float64)
            for k in range(3)
        ]
        values = np.concatenate([f[f > 0] for f in frames])
        stds[z] = values.std()
    assert stds[2500.0] >= 4 * stds[1000.0]
    assert 1.5 <= stds[1000.0] <= 8  # a few mm at 1 m
    assert 10 <= stds[2500.0] <= 40  # 1 to 3 cm at 2.5 m


def test_d4xx_noise_is_spatially_correlated() -> None:
    sensor = _plain_sensor(blob_px=5, temporal_fraction=0.2, subpixel_step=1 / 32)
    out = sense_d4xx(np.full((SIZE, SIZE), 2500, np.float32), np.ones((SIZE, SIZE), np.float32), sensor,
                     np.random.default_rng(0)).astype(np.float64)  # fmt: skip
    r = out - out.mean()
    corr = (r[:, 1:] * r[:, :-1]).mean() / r.var()
    assert corr > 0.5


def test_d4xx_terraces_on_slanted_plane() -> None:
    sensor = _plain_sensor(disparity_sigma_px=0.0, subpixel_step=1 / 8)
    ramp = np.linspace(2000, 3000, SIZE, dtype=np.float32)[None, :].repeat(SIZE, 0)
    out = sense_d4xx(ramp, np.ones_like(ramp), sensor, np.random.default_rng(0))
    levels = np.unique(out[out > 0])
    assert len(levels) < SIZE // 2  # quantised disparity: few distinct depths across 96 columns
    step_mm = np.diff(levels.astype(np.float64)).max()
    assert step_mm >= 10


def test_d4xx_occlusion_band_left_of_near_object() -> None:
    sensor = _plain_sensor(disparity_sigma_px=0.0)
    depth, _ = _scene()
    out = sense_d4xx(depth, np.ones_like(depth), sensor, np.random.default_rng(0))
    width = sensor.out_focal_px * sensor.baseline_mm * (1 / 600 - 1 / 2000)
    rows = slice(35, 65)
    left_of = out[rows, int(40 - width) + 1 : 40]
    right_of = out[rows, 70 : 70 + int(width)]
    assert width >= 2
    assert (left_of == 0).all()
    assert (right_of > 0).all()
    assert (out[rows, 42:68] > 0).all()


def test_d4xx_left_strip_range_limits_and_flying_pixels() -> None:
    sensor = _plain_sensor(left_strip_px=2.0, disparity_sigma_px=0.0, min_range_mm=250.0, max_range_mm=4000.0)
    depth = np.full((SIZE, SIZE), 1500, np.float32)
    depth[:, 60:70] = 200  # too near
    depth[:, 80:] = 5000  # too far
    out = sense_d4xx(depth, np.ones_like(depth), sensor, np.random.default_rng(0))
    assert (out[:, :2] == 0).all() and (out[:, 10:30] > 0).all()
    assert (out[:, 61:69] == 0).all() and (out[:, 82:] == 0).all()

    fly = _plain_sensor(disparity_sigma_px=0.0, flying_prob=1.0)
    depth, _ = _scene()
    out = sense_d4xx(depth, np.ones_like(depth), fly, np.random.default_rng(0)).astype(np.float64)
    between = (out > 700) & (out < 1900)
    assert between.sum() > 20


def test_d4xx_holes_where_ir_is_low() -> None:
    sensor = _plain_sensor(ir_threshold=0.25, ir_softness=0.2)
    y = np.linspace(0, 1, SIZE, dtype=np.float32)[:, None].repeat(SIZE, 1)  # ir from 0 (top) to 1
    out = sense_d4xx(np.full((SIZE, SIZE), 1500, np.float32), y, sensor, np.random.default_rng(0))
    hole_rate = (out == 0).mean(axis=1)
    assert hole_rate[:10].mean() > 0.95 and hole_rate[-40:].mean() == 0
    assert hole_rate[:48].mean() > hole_rate[48:].mean()


def test_d4xx_hole_fill_and_shift() -> None:
    depth, ir = _scene()
    filled = _plain_sensor(hole_fill=True, ir_threshold=0.25)
    out = sense_d4xx(depth, ir, filled, np.random.default_rng(0))
    assert (out[:, 5:] > 0).all()
    base = _plain_sensor(disparity_sigma_px=0.0)
    shifted = dataclasses.replace(base, shift=(2, -1))
    a = sense_d4xx(depth, ir, base, np.random.default_rng(0))
    b = sense_d4xx(depth, ir, shifted, np.random.default_rng(0))
    np.testing.assert_array_equal(b[:-1, 2:], a[1:, :-2])


@pytest.mark.parametrize("quality", CAMERA_QUALITIES)
def test_colour_shape_dtype_and_determinism(quality: str) -> None:
    rgb = np.random.default_rng(0).uniform(0, 300, (SIZE, SIZE, 3)).astype(np.float32)

    def render(seed: int) -> list[np.ndarray]:
        camera = sample_colour_camera(np.random.default_rng(4), SIZE, quality)
        state = new_exposure_state(camera)
        rng = np.random.default_rng(seed)
        return [sense_colour(rgb, t, camera, rng, state) for t in range(3)]

    a, b, c = render(1), render(1), render(2)
    assert all(f.shape == (SIZE, SIZE, 3) and f.dtype == np.uint8 for f in a)
    for fa, fb in zip(a, b):
        np.testing.assert_array_equal(fa, fb)
    assert not np.array_equal(a[0], c[0])


def test_colour_unknown_quality_and_fixed_draws() -> None:
    with pytest.raises(ValueError):
        sample_colour_camera(np.random.default_rng(0), SIZE, "cinema")
    camera = sample_colour_camera(np.random.default_rng(0), SIZE, "webcam")
    r1, r2 = np.random.default_rng(3), np.random.default_rng(3)
    sense_colour(np.zeros((SIZE, SIZE, 3), np.float32), 0, camera, r1)
    sense_colour(np.full((SIZE, SIZE, 3), 900, np.float32), 7, camera, r2, ExposureState())
    assert r1.random() == r2.random()


def _quiet(camera: ColourCamera, **changes: object) -> ColourCamera:
    base = {
        "shot": 0.0, "read": 0.0, "chroma": 0.0, "flicker_amp": 0.0, "band_amp": 0.0, "drift_ev": 0.0,
        "blur": 0.0, "jpeg_quality": 0, "ae_start_ev": 0.0,
    }  # fmt: skip
    base.update(changes)
    return dataclasses.replace(camera, **base)


def test_auto_exposure_follows_with_lag() -> None:
    camera = _quiet(sample_colour_camera(np.random.default_rng(0), SIZE, "good"), ae_speed=0.2, max_gain=16.0)
    state = new_exposure_state(camera)
    rng = np.random.default_rng(0)
    bright = np.full((SIZE, SIZE, 3), 120, np.float32)
    means = [sense_colour(bright if t < 10 else bright * 0.4, t, camera, rng, state).mean() for t in range(40)]
    assert means[10] < means[9] * 0.7  # the scene darkens at once ...
    assert means[11] < means[-1] - 10  # ... the exposure catches up over several frames
    assert abs(means[-1] - means[9]) < 15


def test_noise_grows_with_signal_and_low_light_is_noisier() -> None:
    camera = _quiet(sample_colour_camera(np.random.default_rng(0), SIZE, "webcam"), shot=0.3, read=1.0)
    camera = dataclasses.replace(camera, tone_lut=np.linspace(0, 255, 1024, dtype=np.float32))
    rng = np.random.default_rng(0)
    state = ExposureState(log2_gain=0.0)
    camera = dataclasses.replace(camera, ae_deadband_ev=99.0, scene_scale=1.0)
    vignette_free = dataclasses.replace(camera, vignette=np.ones((SIZE, SIZE), np.float32))
    dark = sense_colour(np.full((SIZE, SIZE, 3), 20, np.float32), 0, vignette_free, rng, state).astype(np.float64)
    light = sense_colour(np.full((SIZE, SIZE, 3), 200, np.float32), 0, vignette_free, rng, state).astype(np.float64)
    assert light.std() > 2 * dark.std()

    flat = np.full((SIZE, SIZE, 3), 120, np.float32)
    stds = {}
    for quality in ("good", "low_light"):
        cam = dataclasses.replace(
            sample_colour_camera(np.random.default_rng(1), SIZE, quality), blur=0.0, jpeg_quality=0
        )
        out = sense_colour(flat, 0, cam, np.random.default_rng(0)).astype(np.float64)
        centre = out[SIZE // 4 : 3 * SIZE // 4, SIZE // 4 : 3 * SIZE // 4]
        stds[quality] = (centre[1:] - centre[:-1]).std()
    assert stds["low_light"] > 2 * stds["good"]


def test_vignetting_flicker_bands_and_highlights() -> None:
    camera = _quiet(sample_colour_camera(np.random.default_rng(0), SIZE, "webcam"), ae_deadband_ev=99.0)
    flat = np.full((SIZE, SIZE, 3), 100, np.float32)
    out = sense_colour(flat, 0, camera, np.random.default_rng(0), ExposureState(log2_gain=0.0)).mean(axis=2)
    assert out[SIZE // 2, SIZE // 2] > out[0, 0] + 5  # darker corners

    banded = dataclasses.replace(camera, vignette=np.ones((SIZE, SIZE), np.float32), band_amp=0.1,
                                 band_period_px=30.0, band_speed_px=5.0)  # fmt: skip
    f0 = sense_colour(flat, 0, banded, np.random.default_rng(0), ExposureState(log2_gain=0.0)).mean(axis=(1, 2))
    f1 = sense_colour(flat, 1, banded, np.random.default_rng(0), ExposureState(log2_gain=0.0)).mean(axis=(1, 2))
    assert f0.max() - f0.min() > 8  # horizontal bands
    assert np.abs(f0 - f1).max() > 3  # that move

    beat = dataclasses.replace(camera, flicker_amp=0.08, flicker_hz=5.0, flicker_phase=0.0)
    levels = [sense_colour(flat, t, beat, np.random.default_rng(0), ExposureState(log2_gain=0.0)).mean()
              for t in range(6)]  # fmt: skip
    assert max(levels) - min(levels) > 5

    hot = np.full((SIZE, SIZE, 3), 2000, np.float32)
    assert (sense_colour(hot, 0, camera, np.random.default_rng(0), ExposureState(log2_gain=0.0)) >= 250).all()


def test_jpeg_and_cast_change_the_image() -> None:
    camera = _quiet(sample_colour_camera(np.random.default_rng(0), SIZE, "good"))
    rgb = np.random.default_rng(1).uniform(40, 200, (SIZE, SIZE, 3)).astype(np.float32)
    clean = sense_colour(rgb, 0, camera, np.random.default_rng(0))
    jpeg = sense_colour(rgb, 0, dataclasses.replace(camera, jpeg_quality=40), np.random.default_rng(0))
    assert np.abs(clean.astype(int) - jpeg.astype(int)).mean() > 2
    cast = dataclasses.replace(camera, wb_gains=np.array([1.2, 1.0, 0.8], np.float32))
    grey = np.full((SIZE, SIZE, 3), 100, np.float32)
    out = sense_colour(grey, 0, cast, np.random.default_rng(0)).mean(axis=(0, 1))
    assert out[0] > out[2] + 10
