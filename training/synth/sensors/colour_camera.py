"""The colour camera of SynthGesture v2: what a real (web)cam does to scene radiance.

In order: white balance error (a colour cast), vignetting (1 - k2 r^2 - k4 r^4), mains
flicker (a global beat of a few Hz and rolling-shutter bands that move), auto-exposure (a gain
that follows the metered brightness with a lag, in steps) with a slow drift, sensor noise
(shot noise ~ sqrt(signal), read noise, a little blotchy chroma noise), a tone curve with a
highlight shoulder through a 1024-entry lookup table, defocus or over-sharpening (3x3 box),
and JPEG compression. Hand motion blur is the renderer's.

Input radiance is display-referred-ish (0..255 looks right under a neutral camera; bright
windows exceed 255), so the tone curve varies around the identity rather than applying a
full sRGB gamma. Per-pixel work uses basic arithmetic, sqrt and lookup tables only; the
auto-exposure meter sums integers, so a seed renders the same pixels on any CPU.

Auto-exposure needs memory across frames: `sense_colour` takes an `ExposureState` made by
`new_exposure_state(camera)` and updates it in place; pass a fresh one per recording.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.randomness import uniform

CAMERA_QUALITIES = ("good", "webcam", "low_light")
"""Camera families `sample_colour_camera` knows."""

LUT_SIZE = 1024
"""Entries of the tone curve over input 0..255."""

FPS = 30.0
"""Frame rate assumed for flicker and drift, frames per second."""

_EV_STEP_CHOICES = (1 / 12, 1 / 6, 1 / 3)


@dataclass(frozen=True)
class _QualitySpec:
    scene_scale: tuple[float, float]  # light reaching the sensor (low light: dim)
    max_gain: tuple[float, float]
    ae_speed: tuple[float, float]
    shot: tuple[float, float]  # variance per grey level at unit gain
    read: tuple[float, float]  # read noise std at unit gain, grey levels
    chroma: tuple[float, float]
    cast: float  # white-balance error amplitude
    vignette: tuple[float, float]
    flicker_p: float
    blur: tuple[float, float]  # > 0 defocus, < 0 over-sharpening
    jpeg_p: float
    jpeg_quality: tuple[int, int]


_QUALITIES = {
    "good": _QualitySpec(
        (0.8, 1.2), (2.0, 4.0), (0.15, 0.4), (0.01, 0.06), (0.3, 1.2), (0.0, 0.5), 0.06, (0.0, 0.25), 0.2,
        (-0.3, 0.4), 0.5, (75, 95),
    ),
    "webcam": _QualitySpec(
        (0.6, 1.1), (4.0, 8.0), (0.08, 0.3), (0.05, 0.2), (1.0, 3.0), (0.5, 2.0), 0.15, (0.15, 0.5), 0.5,
        (-0.8, 0.8), 1.0, (40, 85),
    ),
    "low_light": _QualitySpec(
        (0.12, 0.35), (6.0, 16.0), (0.05, 0.2), (0.1, 0.4), (1.5, 4.0), (1.0, 3.0), 0.2, (0.2, 0.5), 0.4,
        (0.0, 0.8), 0.6, (40, 90),
    ),
}  # fmt: skip


@dataclass(frozen=True)
class ColourCamera:
    """The colour camera of one recording.

    Attributes:
        quality: one of CAMERA_QUALITIES.
        size: frame side, px.
        scene_scale: fraction of the rendered radiance reaching the sensor (dim rooms < 1).
        wb_gains: float32 [3], per-channel gains of the white-balance error (colour cast).
        vignette: float32 [H, W], radial falloff 1 - k2 r^2 - k4 r^4 (1 at the centre).
        ae_target: mean output level the auto-exposure aims at, grey levels.
        ae_speed: fraction of the log-gain error corrected per frame (the lag).
        ae_step_ev: gain steps of the auto-exposure, EV (stops).
        ae_deadband_ev: errors smaller than this are left alone, EV.
        ae_start_ev: exposure error of the first frame, EV (the AE then converges).
        max_gain: most gain the auto-exposure may apply (the least is 1/4).
        drift_ev: amplitude of the slow exposure drift, EV.
        drift_period: period of the drift, frames.
        drift_phase: phase of the drift, radians.
        flicker_amp: relative brightness beat of mains flicker (0: none).
        flicker_hz: beat frequency between lamp flicker and frame rate, Hz.
        band_amp: relative depth of the rolling-shutter bands (0: none).
        band_period_px: rows per band period.
        band_speed_px: rows the bands move per frame.
        flicker_phase: phase of beat and bands, radians.
        shot: shot-noise variance per grey level of signal (noise std = sqrt(shot * signal)).
        read: read-noise std at unit gain, grey levels.
        chroma: std of blotchy colour noise, grey levels.
        tone_lut: float32 [LUT_SIZE], tone curve from input 0..255 to output 0..255 (its
            shoulder saturates highlights).
        blur: > 0 blends towards a 3x3 box (defocus), < 0 over-sharpens (unsharp mask).
        jpeg_quality: JPEG quality 40..95, or 0 for no compression.
    """

    quality: str
    size: int
    scene_scale: float
    wb_gains: np.ndarray
    vignette: np.ndarray
    ae_target: float
    ae_speed: float
    ae_step_ev: float
    ae_deadband_ev: float
    ae_start_ev: float
    max_gain: float
    drift_ev: float
    drift_period: float
    drift_phase: float
    flicker_amp: float
    flicker_hz: float
    band_amp: float
    band_period_px: float
    band_speed_px: float
    flicker_phase: float
    shot: float
    read: float
    chroma: float
    tone_lut: np.ndarray
    blur: float
    jpeg_quality: int


@dataclass
class ExposureState:
    """Auto-exposure memory of one recording (mutated by `sense_colour`).

    Attributes:
        log2_gain: current gain in EV; None before the first frame.
    """

    log2_gain: float | None = None


def new_exposure_state(camera: ColourCamera) -> ExposureState:
    """A fresh auto-exposure state for a recording made with `camera`."""
    del camera  # the state starts empty whatever the camera; kept for a stable signature
    return ExposureState()


def _tone_lut(gamma: float, contrast: float, knee: float, black: float) -> np.ndarray:
    """Tone curve with Python math: power law, S-curve, soft shoulder above `knee`, black level."""
    values = []
    for i in range(LUT_SIZE):
        x = i / (LUT_SIZE - 1)
        y = x**gamma
        s = y * y * (3 - 2 * y)  # smoothstep S-curve
        y = y + contrast * (s - y)
        if y > knee:  # soft shoulder: approaches 1 without a hard clip
            span = 1 - knee
            y = knee + span * (1 - math.exp(-(y - knee) / span * 1.6)) / (1 - math.exp(-1.6))
        values.append(black + (1 - black) * y)
    return np.array(values, dtype=np.float32) * np.float32(255.0)


def sample_colour_camera(rng: np.random.Generator, size: int, quality: str) -> ColourCamera:
    """Draws the colour camera of one recording.

    Args:
        rng: random source.
        size: frame side, px.
        quality: one of CAMERA_QUALITIES.

    Raises:
        ValueError: for an unknown quality.
    """
    if quality not in _QUALITIES:
        raise ValueError(f"unknown camera quality {quality!r}; expected one of {CAMERA_QUALITIES}")
    spec = _QUALITIES[quality]
    cast = rng.uniform(-spec.cast, spec.cast, size=3)
    wb = (1.0 + cast) / (1.0 + cast.mean())  # a cast, not a brightness change

    k2 = uniform(rng, spec.vignette)
    k4 = uniform(rng, (0.0, 0.5)) * k2
    c = (size - 1) / 2
    coords = (np.arange(size, dtype=np.float32) - np.float32(c)) / np.float32(c)
    r2 = coords[None, :] * coords[None, :] + coords[:, None] * coords[:, None]
    r2 = r2 * np.float32(0.5)  # 1 in the corners
    vignette = (1 - np.float32(k2) * r2 - np.float32(k4) * r2 * r2).astype(np.float32)

    has_flicker = rng.random() < spec.flicker_p
    flicker_amp = uniform(rng, (0.01, 0.08)) * has_flicker
    band_amp = uniform(rng, (0.02, 0.12)) * has_flicker * (rng.random() < 0.7)
    has_jpeg = rng.random() < spec.jpeg_p
    jpeg_q = int(rng.integers(spec.jpeg_quality[0], spec.jpeg_quality[1] + 1))
    tone = _tone_lut(
        gamma=uniform(rng, (0.8, 1.2)),
        contrast=uniform(rng, (-0.1, 0.4)),
        knee=uniform(rng, (0.75, 0.92)),
        black=uniform(rng, (0.0, 0.04)),
    )
    return ColourCamera(
        quality=quality,
        size=size,
        scene_scale=uniform(rng, spec.scene_scale),
        wb_gains=wb.astype(np.float32),
        vignette=vignette,
        ae_target=uniform(rng, (95.0, 130.0)),
        ae_speed=uniform(rng, spec.ae_speed),
        ae_step_ev=float(rng.choice(_EV_STEP_CHOICES)),
        ae_deadband_ev=uniform(rng, (0.05, 0.25)),
        ae_start_ev=uniform(rng, (-1.0, 1.0)) * (rng.random() < 0.5),
        max_gain=uniform(rng, spec.max_gain),
        drift_ev=uniform(rng, (0.0, 0.2)),
        drift_period=uniform(rng, (60.0, 300.0)),
        drift_phase=uniform(rng, (0.0, 2 * math.pi)),
        flicker_amp=flicker_amp,
        flicker_hz=uniform(rng, (0.5, 10.0)),
        band_amp=band_amp,
        band_period_px=uniform(rng, (0.15, 0.6)) * size,
        band_speed_px=uniform(rng, (-3.0, 3.0)) * size / 128,
        flicker_phase=uniform(rng, (0.0, 2 * math.pi)),
        shot=uniform(rng, spec.shot),
        read=uniform(rng, spec.read),
        chroma=uniform(rng, spec.chroma),
        tone_lut=tone,
        blur=uniform(rng, spec.blur),
        jpeg_quality=jpeg_q if has_jpeg else 0,
    )


def _mean_level(image: np.ndarray) -> float:
    """Mean grey level of a 4x-subsampled image, summed as integers (exact on any CPU)."""
    sub = np.clip(np.rint(image[::4, ::4]), 0, 4095).astype(np.int64)
    return float(sub.sum()) / sub.size


def _upsample(small: np.ndarray, height: int, width: int) -> np.ndarray:
    """Separable bilinear upsampling of [h, w, C] to float32 [height, width, C] (basic arithmetic)."""
    h, w = small.shape[:2]

    def taps(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.clip((np.arange(n_out, dtype=np.float32) + 0.5) * np.float32(n_in / n_out) - 0.5, 0, n_in - 1)
        i0 = np.minimum(pos.astype(np.int64), n_in - 1)
        return i0, np.minimum(i0 + 1, n_in - 1), (pos - i0).astype(np.float32)

    y0, y1, fy = taps(height, h)
    x0, x1, fx = taps(width, w)
    rows = small[y0] * (1 - fy)[:, None, None] + small[y1] * fy[:, None, None]  # [height, w, C]
    return rows[:, x0] * (1 - fx)[None, :, None] + rows[:, x1] * fx[None, :, None]


def _update_exposure(camera: ColourCamera, state: ExposureState, metered: float) -> float:
    """Moves the AE gain towards the target with lag, deadband and steps; returns the gain in EV."""
    low, high = -2.0, math.log2(camera.max_gain)
    wanted = math.log2(camera.ae_target / max(metered, 0.5))
    wanted = min(max(wanted, low), high)
    if state.log2_gain is None:
        state.log2_gain = min(max(wanted + camera.ae_start_ev, low), high)
    error = wanted - state.log2_gain
    if abs(error) > max(camera.ae_deadband_ev, 0.5 * camera.ae_step_ev):  # no hunting between steps
        moved = state.log2_gain + camera.ae_speed * error
        step = camera.ae_step_ev
        # move at least one step towards the target, land on the step grid
        stepped = round(moved / step) * step
        if stepped == state.log2_gain or (stepped - state.log2_gain) * error < 0:
            stepped = state.log2_gain + math.copysign(step, error)
        state.log2_gain = min(max(stepped, low), high)
    return state.log2_gain


def sense_colour(
    rgb: np.ndarray,
    t: int,
    camera: ColourCamera,
    rng: np.random.Generator,
    state: ExposureState | None = None,
) -> np.ndarray:
    """Turns scene radiance into the camera's 8-bit frame.

    Draws H*W*3 + (H//8)^2*3 values from `rng` whatever the frame shows.

    Args:
        rgb: float32 [H, W, 3], scene radiance 0..255 (may exceed 255).
        t: frame index within the recording (for flicker and drift).
        camera: the recording's camera.
        rng: random source for this frame.
        state: the recording's auto-exposure state, updated in place; None for a single
            frame whose exposure has converged (AE lag and start error ignored).

    Returns:
        uint8 [H, W, 3].
    """
    h, w, _ = rgb.shape
    grid = max(2, h // 8)
    white = rng.standard_normal((h, w, 3), dtype=np.float32)
    chroma_small = rng.standard_normal((grid, grid, 3), dtype=np.float32)

    seconds = t / FPS
    phase = 2 * math.pi * camera.flicker_hz * seconds + camera.flicker_phase
    beat = 1 + camera.flicker_amp * math.sin(phase)
    rows = np.arange(h, dtype=np.float64) + camera.band_speed_px * t
    band_phase = 2 * math.pi * rows / camera.band_period_px + camera.flicker_phase
    bands = (1 + camera.band_amp * np.array([math.sin(v) for v in band_phase])).astype(np.float32)

    gain_map = camera.vignette * bands[:, None] * np.float32(beat * camera.scene_scale)  # [H, W]
    wb = camera.wb_gains[None, None, :]
    metered = _mean_level(rgb[::4, ::4] * wb * gain_map[::4, ::4, None])
    if state is None:
        state = ExposureState()
        state.log2_gain = min(max(math.log2(camera.ae_target / max(metered, 0.5)), -2.0), math.log2(camera.max_gain))
    else:
        _update_exposure(camera, state, metered)
    drift = camera.drift_ev * math.sin(2 * math.pi * t / camera.drift_period + camera.drift_phase)
    gain = 2.0 ** (state.log2_gain + drift)

    signal = np.maximum(rgb * (gain_map * np.float32(gain))[:, :, None] * wb, np.float32(0))
    # Noise is made at the photosite: shot noise in signal/gain, read noise, both amplified by gain.
    amp = max(gain, 1.0)
    variance = signal * np.float32(camera.shot * amp) + np.float32((camera.read * amp) ** 2)
    chroma_small = (chroma_small - chroma_small.mean(axis=2, keepdims=True)) * np.float32(camera.chroma * amp)
    noisy = signal + np.sqrt(variance) * white + _upsample(chroma_small, h, w)  # chroma: colour only

    index = np.clip(np.rint(noisy * np.float32((LUT_SIZE - 1) / 255)), 0, LUT_SIZE - 1).astype(np.int32)
    toned = camera.tone_lut[index]

    out = np.clip(np.rint(toned), 0, 255).astype(np.uint8)
    if camera.blur != 0:
        box = cv2.blur(out, (3, 3)).astype(np.float32)  # integer box sums: exact on any CPU
        sharp = out.astype(np.float32)
        out = np.clip(np.rint(sharp + np.float32(camera.blur) * (box - sharp)), 0, 255).astype(np.uint8)

    if camera.jpeg_quality:
        ok, buf = cv2.imencode(".jpg", out[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, camera.jpeg_quality])
        if ok:
            out = np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1])
    return out
