"""Strong training augmentation around the clip transform, for transfer from generated data
to other renderers and real cameras: speed warping, scale jitter, flips that swap
direction labels, colour and depth ops, and modality dropout. Training only; every op is
off by default (`AugmentConfig`), and with all off the training items are bit-identical
to those without this module.

Randomness comes from its own Generator per sample (see `ClipDataset`), so switching an op
on does not move the crops, rotations and frames the clip transform draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from training.train_config import AugmentConfig

from .depth import augment_depth, blank_depth, depth_enabled
from .geometric import ClipTransform
from .label_flip import flip_label_map
from .photometric import augment_color, color_enabled
from .time_reverse import NOT_REVERSIBLE, reverse_label_map

__all__ = ["StrongAugment", "drop_modality", "scaled_transform", "speed_warp"]


def speed_warp(indices: Sequence[int], n_frames: int, rate: float, rng: np.random.Generator) -> list[int]:
    """Re-times sampled frame indices as if the clip played at `rate` x its speed.

    The sampler spreads T indices over the clip; here the same T output instants cover
    `rate * n_frames` source frames. Faster (rate > 1): the motion takes 1 / rate of the
    output and the first / last frame is held before / after it (at a random place).
    Slower (rate < 1): a random `rate` share of the clip is shown (a temporal crop).

    Args:
        indices: frame indices from the temporal sampler, in [0, n_frames).
        n_frames: frames in the clip.
        rate: playback rate (> 0).
        rng: randomness for the placement.

    Returns:
        As many indices in [0, n_frames), non-decreasing when `indices` are.
    """
    span = rate * n_frames
    lo, hi = sorted((0.0, n_frames - span))
    start = float(rng.uniform(lo, hi)) if hi > lo else lo
    src = start + rate * (np.asarray(indices, np.float64) + 0.5) - 0.5
    return [int(i) for i in np.clip(np.rint(src), 0, n_frames - 1)]


def scaled_transform(transform: ClipTransform, scale: float) -> ClipTransform:
    """`transform` with its resize step scaled by `scale` (> 1 zooms in), clamped so the
    crop still fits (room to zoom out needs `augment.resize` above the crop size)."""
    w, h = transform.resize
    factor = max(scale, transform.crop / min(w, h))
    return replace(transform, resize=(max(transform.crop, round(w * factor)), max(transform.crop, round(h * factor))))


def drop_modality(
    rgb: np.ndarray, depth: np.ndarray, drop_rgb: bool, fill: str, rng: np.random.Generator, encoding: str
) -> tuple[np.ndarray, np.ndarray]:
    """Replaces one modality of a pair with a blank (no signal) or noise clip.

    Args:
        rgb: uint8 [T, H, W, 3].
        depth: a depth clip in any form of `augment_depth`.
        drop_rgb: drop colour (else depth).
        fill: `blank` (black colour / no depth measurement) or `noise` (uniform values).
        rng: randomness for the noise.
        encoding: the run's depth encoding (for the blank value of encoded depth).

    Returns:
        (rgb, depth), one of them replaced.
    """
    if drop_rgb:
        new_rgb = rng.integers(0, 256, rgb.shape, np.uint8) if fill == "noise" else np.zeros_like(rgb)
        return new_rgb, depth
    if fill == "noise":
        high = 65536 if depth.dtype == np.uint16 else 256
        return rgb, rng.integers(0, high, depth.shape, depth.dtype)
    return rgb, blank_depth(depth, encoding)


@dataclass(frozen=True)
class StrongAugment:
    """The strong augmentation of one training dataset.

    Attributes:
        cfg: the run's augmentation settings.
        flip_map: label after a horizontal flip per label (identity unless `flip_swap`).
        reverse_map: label played backwards per label (NOT_REVERSIBLE: never reversed).
        depth_encoding: the run's depth encoding.
        near_mm: grey 255 in millimetres.
        far_mm: grey 0 in millimetres.
    """

    cfg: AugmentConfig
    flip_map: tuple[int, ...]
    depth_encoding: str = "gray"
    near_mm: float = 300.0
    far_mm: float = 3000.0
    reverse_map: tuple[int, ...] = ()

    @classmethod
    def build(
        cls, cfg: AugmentConfig, class_names: Sequence[str], depth_encoding: str, near_mm: float, far_mm: float
    ) -> StrongAugment:
        """The augmentation of a dataset whose classes are `class_names` (by id)."""
        flip_map = flip_label_map(class_names) if cfg.flip_swap else list(range(len(class_names)))
        reversing = cfg.reverse_p > 0 or cfg.reverse_paired
        if cfg.reverse_paired and not cfg.reverse_pairs.strip():
            raise ValueError("augment.reverse_paired needs augment.reverse_pairs (each class played backwards)")
        reverse_map = reverse_label_map(class_names, cfg.reverse_pairs) if reversing else []
        return cls(cfg, tuple(flip_map), depth_encoding, near_mm, far_mm, tuple(reverse_map))

    @property
    def enabled(self) -> bool:
        """Whether any op beyond the clip transform can change an item."""
        c = self.cfg
        return (
            c.speed_p > 0
            or c.reverse_p > 0
            or c.scale_p > 0
            or c.modality_dropout_p > 0
            or color_enabled(c.color)
            or depth_enabled(c.depth)
        )

    def frame_indices(self, indices: Sequence[int], n_frames: int, rng: np.random.Generator) -> list[int]:
        """Speed warping of the sampled indices (see `speed_warp`)."""
        c = self.cfg
        if rng.random() >= c.speed_p:
            return list(indices)
        rate = float(np.exp(rng.uniform(np.log(c.speed_min), np.log(c.speed_max))))
        return speed_warp(indices, n_frames, rate, rng)

    def reversed_label(self, label: int, rng: np.random.Generator) -> int | None:
        """The label of the clip played backwards when this draw reverses it, else None
        (no draw at all without `reverse_p`, so other runs keep their randomness)."""
        if self.cfg.reverse_p <= 0 or not 0 <= label < len(self.reverse_map):
            return None
        if self.reverse_map[label] == NOT_REVERSIBLE or rng.random() >= self.cfg.reverse_p:
            return None
        return self.reverse_map[label]

    def transform(self, base: ClipTransform, rng: np.random.Generator) -> ClipTransform:
        """Scale jitter: `base` with a randomly scaled resize step."""
        c = self.cfg
        if rng.random() >= c.scale_p:
            return base
        return scaled_transform(base, float(np.exp(rng.uniform(np.log(c.scale_min), np.log(c.scale_max)))))

    def label(self, label: int, params: dict[str, Any]) -> int:
        """The label of a clip after the clip transform with `params` (swapped when flipped)."""
        if params.get("flip") and 0 <= label < len(self.flip_map):
            return self.flip_map[label]
        return label

    def pixels(
        self, rgb: np.ndarray | None, depth: np.ndarray | None, rng: np.random.Generator
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Colour ops, depth ops and modality dropout of a transformed pair (None passes).

        Args:
            rgb: uint8 [T, S, S, 3] or None.
            depth: the transformed depth clip (uint16 [T, S, S], uint8 [T, S, S] or
                uint8 [T, S, S, 3]) or None.
            rng: the sample's augmentation randomness.

        Returns:
            (rgb, depth) in the same forms.
        """
        c = self.cfg
        if rgb is not None and color_enabled(c.color):
            rgb = augment_color(rgb, c.color, rng)
        if depth is not None and depth_enabled(c.depth):
            depth = augment_depth(depth, c.depth, rng, self.depth_encoding, self.near_mm, self.far_mm)
        if rgb is not None and depth is not None and rng.random() < c.modality_dropout_p:
            drop_rgb = bool(rng.random() < c.modality_dropout_rgb)
            rgb, depth = drop_modality(rgb, depth, drop_rgb, c.modality_dropout_fill, rng, self.depth_encoding)
        return rgb, depth
