"""Photometric augmentation of a colour clip: what another renderer or a real camera changes.

One set of parameters per clip (the same for every frame), in the order a camera applies
them: occluders (cut-out boxes) -> exposure and white balance (brightness, contrast, gamma,
colour cast, per-frame flicker and drift) -> hue / saturation -> grey-scale -> optics
(blur) -> sensor noise (read + shot) -> JPEG re-compression.

Tone changes are folded into one 256-entry table per channel (and per frame only when
flicker is on) and applied with `cv2.LUT`; hue and saturation are one HSV round trip of the
whole clip, so all ops together cost well under 2 ms per 112 x 112 frame on one core.
"""

from __future__ import annotations

import cv2
import numpy as np

from training.train_config import ColorAugmentConfig

__all__ = ["augment_color", "color_enabled", "erase_boxes", "gaussian_noise", "jpeg_recompress"]

_LEVELS = np.arange(256, dtype=np.float32)
_POOL_SIZE = 1 << 22  # 16 MB of float32 per process
_pool: np.ndarray | None = None


def gaussian_noise(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Standard normal float32 noise of `shape`, deterministic from `rng`.

    Drawing fresh normals costs about 0.5 ms per 112 x 112 x 3 frame, more than all other
    colour ops together; a window at a random offset (and sign) of a fixed pool drawn once
    per process is as good for augmentation and nearly free. Shapes larger than the pool
    get fresh normals.

    Returns:
        float32 array of `shape` (read-only view when taken from the pool).
    """
    global _pool
    n = int(np.prod(shape))
    if n > _POOL_SIZE // 2:
        return rng.standard_normal(shape, dtype=np.float32)
    if _pool is None:
        _pool = np.random.default_rng(0x6E015E).standard_normal(_POOL_SIZE, dtype=np.float32)
        _pool.flags.writeable = False
    start = int(rng.integers(0, _POOL_SIZE - n + 1))
    window = _pool[start : start + n].reshape(shape)
    return -window if rng.random() < 0.5 else window


def color_enabled(cfg: ColorAugmentConfig) -> bool:
    """Whether any colour op can fire."""
    ops = (name for name in cfg.__dataclass_fields__ if name.endswith("_p") and name != "erase_moving_p")
    return any(getattr(cfg, name) > 0 for name in ops)


def _gain(rng: np.random.Generator, p: float, strength: float) -> float:
    """A factor in [1 - strength, 1 + strength] with probability p, else 1 (one coin always drawn)."""
    if rng.random() >= p:
        return 1.0
    return float(rng.uniform(max(0.0, 1.0 - strength), 1.0 + strength))


def erase_boxes(
    frames: np.ndarray, rng: np.random.Generator, boxes: int, size: float, moving_p: float, fill: np.ndarray | None
) -> np.ndarray:
    """Cut-out boxes, each static or moving linearly over the clip (in place).

    Args:
        frames: [T, H, W, C] or [T, H, W], modified in place.
        rng: randomness.
        boxes: 1..boxes boxes are drawn.
        size: max box side as a fraction of the frame side (min is a quarter of it).
        moving_p: probability that a box moves from one random place to another.
        fill: value per box of shape [C] (or []); None draws a random colour per box.

    Returns:
        `frames`.
    """
    t, h, w = frames.shape[:3]
    for _ in range(int(rng.integers(1, max(1, boxes) + 1))):
        bw = max(1, int(round(w * rng.uniform(size / 4, size))))
        bh = max(1, int(round(h * rng.uniform(size / 4, size))))
        start = np.array([rng.integers(0, w - bw + 1), rng.integers(0, h - bh + 1)], np.float64)
        end = start
        if rng.random() < moving_p:
            end = np.array([rng.integers(0, w - bw + 1), rng.integers(0, h - bh + 1)], np.float64)
        value = rng.integers(0, 256, frames.shape[3:]) if fill is None else fill
        for k in range(t):
            x0, y0 = np.rint(start + (end - start) * (k / max(1, t - 1))).astype(int)
            frames[k, y0 : y0 + bh, x0 : x0 + bw] = value
    return frames


def jpeg_recompress(rgb: np.ndarray, quality: int) -> np.ndarray:
    """Every frame through a JPEG encode/decode round trip at `quality` (1..100).

    Args:
        rgb: uint8 [T, H, W, 3], RGB order.

    Returns:
        uint8 [T, H, W, 3].
    """
    out = np.empty_like(rgb)
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    for k, frame in enumerate(rgb):
        # OpenCV's codec takes BGR: the chroma planes must be computed from the right channels.
        ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(frame[..., ::-1]), params)
        if not ok:  # pragma: no cover - OpenCV always encodes a valid uint8 image
            raise RuntimeError("JPEG encoding failed")
        out[k] = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return out


def _tone_tables(rgb: np.ndarray, cfg: ColorAugmentConfig, rng: np.random.Generator) -> np.ndarray | None:
    """uint8 [T or 1, 256, 3] lookup tables of exposure / white balance / flicker, or None."""
    t = rgb.shape[0]
    brightness = _gain(rng, cfg.brightness_p, cfg.brightness)
    contrast = _gain(rng, cfg.contrast_p, cfg.contrast)
    gamma = float(np.exp(rng.uniform(-cfg.gamma, cfg.gamma))) if rng.random() < cfg.gamma_p else 1.0
    cast = np.ones(3, np.float32)
    if rng.random() < cfg.cast_p:
        cast = rng.uniform(1.0 - cfg.cast, 1.0 + cfg.cast, 3).astype(np.float32)
    per_frame = np.ones(1, np.float32)
    if rng.random() < cfg.flicker_p:
        ramp = np.linspace(-0.5, 0.5, t, dtype=np.float32) * np.float32(rng.uniform(-cfg.drift, cfg.drift))
        per_frame = 1.0 + ramp + rng.normal(0.0, cfg.flicker, t).astype(np.float32)
        per_frame = np.clip(per_frame, 0.2, None)
    if brightness == contrast == gamma == 1.0 and (cast == 1).all() and (per_frame == 1).all():
        return None
    # contrast pivots about the clip's mean level (a subsample is enough)
    mean = float(rgb[:, ::4, ::4].mean()) * brightness if contrast != 1.0 else 0.0
    lut = _LEVELS[None, :, None] * (brightness * cast)[None, None, :] * per_frame[:, None, None]
    lut = (lut - mean) * contrast + mean
    lut = np.clip(lut, 0.0, 255.0)
    if gamma != 1.0:
        lut = 255.0 * (lut / 255.0) ** gamma
    return np.rint(lut).astype(np.uint8)


def _hue_sat_table(cfg: ColorAugmentConfig, rng: np.random.Generator) -> np.ndarray | None:
    """uint8 [256, 1, 3] table on OpenCV's 8-bit HSV (H in 0..179), or None."""
    shift = rng.uniform(-cfg.hue, cfg.hue) * 180.0 if rng.random() < cfg.hue_p else 0.0
    sat = _gain(rng, cfg.saturation_p, cfg.saturation)
    if shift == 0.0 and sat == 1.0:
        return None
    lut = np.empty((256, 1, 3), np.uint8)
    lut[:, 0, 0] = np.mod(np.rint(_LEVELS + shift), 180).astype(np.uint8)
    lut[:, 0, 1] = np.rint(np.clip(_LEVELS * sat, 0, 255)).astype(np.uint8)
    lut[:, 0, 2] = np.arange(256)
    return lut


def augment_color(rgb: np.ndarray, cfg: ColorAugmentConfig, rng: np.random.Generator) -> np.ndarray:
    """Applies the enabled colour ops of `cfg` to a clip.

    Every op draws its coin from `rng` whether enabled or not, so turning one op on does
    not change what the others draw.

    Args:
        rgb: uint8 [T, H, W, 3], RGB order (not modified).
        cfg: probabilities and strengths.
        rng: the sample's randomness.

    Returns:
        uint8 [T, H, W, 3].

    Raises:
        ValueError: `rgb` is not uint8 [T, H, W, 3].
    """
    if rgb.dtype != np.uint8 or rgb.ndim != 4 or rgb.shape[-1] != 3:
        raise ValueError(f"rgb must be uint8 [T, H, W, 3], got {rgb.dtype} {list(rgb.shape)}")
    t, h, w, _ = rgb.shape
    out = np.array(rgb, copy=True)
    if rng.random() < cfg.erase_p:
        erase_boxes(out, rng, cfg.erase_boxes, cfg.erase_size, cfg.erase_moving_p, None)
    lut = _tone_tables(out, cfg, rng)
    if lut is not None:
        flat = out.reshape(t * h, w, 3)  # frames stacked vertically: one cv2 call for the clip
        if lut.shape[0] == 1:
            out = cv2.LUT(flat, lut[0][:, None, :]).reshape(t, h, w, 3)
        else:
            for k in range(t):
                out[k] = cv2.LUT(out[k], lut[k][:, None, :])
    hs = _hue_sat_table(cfg, rng)
    if hs is not None:
        hsv = cv2.cvtColor(out.reshape(t * h, w, 3), cv2.COLOR_RGB2HSV)
        out = cv2.cvtColor(cv2.LUT(hsv, hs), cv2.COLOR_HSV2RGB).reshape(t, h, w, 3)
    if rng.random() < cfg.grey_p:
        grey = cv2.cvtColor(out.reshape(t * h, w, 3), cv2.COLOR_RGB2GRAY)
        out = np.repeat(grey[..., None], 3, axis=-1).reshape(t, h, w, 3)
    if rng.random() < cfg.blur_p:
        sigma = float(rng.uniform(min(0.3, cfg.blur_sigma), cfg.blur_sigma))
        for k in range(t):  # per frame: a kernel over the stacked clip would mix frames
            out[k] = cv2.GaussianBlur(out[k], (0, 0), sigma)
    if rng.random() < cfg.noise_p:
        read = np.float32(rng.uniform(0.0, cfg.noise_sigma))
        shot = np.float32(rng.uniform(0.0, cfg.shot_noise))
        std = np.sqrt(read * read + shot * _LEVELS)[out]  # per grey level: a 256-entry table
        x = gaussian_noise(out.shape, rng) * std
        x += out
        x += np.float32(0.5)  # round, not floor
        out = np.clip(x, 0.0, 255.0, out=x).astype(np.uint8)
    if rng.random() < cfg.jpeg_p:
        out = jpeg_recompress(out, int(rng.integers(cfg.jpeg_quality_min, cfg.jpeg_quality_max + 1)))
    return out
