"""Clip-level spatial augmentation, identical for every frame and for both modalities.

Order (as the official loaders): resize to (w, h) -> rotate about the centre -> crop a
square -> optional horizontal flip. Evaluation: resize -> centre crop.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from ..temporal import sample_indices

__all__ = ["ClipTransform", "official_transform", "sample_indices"]

# Official per-dataset settings: resize (w, h), rotation range (deg), rotation p, flip p.
_OFFICIAL: dict[str, tuple[tuple[int, int], float, float, float]] = {
    "nvgesture": ((256, 256), 10.0, 0.5, 0.0),
    "isogd": ((256, 256), 10.0, 0.5, 0.0),
    "synth": ((256, 256), 10.0, 0.5, 0.0),
    "ntu": ((320, 240), 10.0, 0.5, 0.5),
    "thuread": ((320, 240), 45.0, 0.8, 0.5),
}
_BASE_CROP = 224


@dataclass(frozen=True)
class ClipTransform:
    """Random resize/rotate/crop/flip of a clip with one set of parameters per clip.

    Attributes:
        resize: (width, height) every frame is resized to first.
        crop: side of the square crop (the model's input size).
        rotate_deg: rotation angle drawn uniformly from [-rotate_deg, rotate_deg].
        rotate_p: probability of rotating a clip at all.
        flip_p: probability of a horizontal flip; keep 0 where direction is the label
            (gesture datasets).

    Raises:
        ValueError: a crop larger than the resized frame, or an out-of-range setting.
    """

    resize: tuple[int, int] = (256, 256)
    crop: int = 224
    rotate_deg: float = 10.0
    rotate_p: float = 0.5
    flip_p: float = 0.0

    def __post_init__(self) -> None:
        w, h = self.resize
        if self.crop < 1 or self.crop > min(w, h):
            raise ValueError(f"crop {self.crop} must be in [1, min(resize)] with resize (w, h) = {self.resize}")
        if self.rotate_deg < 0:
            raise ValueError(f"rotate_deg must be >= 0, got {self.rotate_deg}")
        for name in ("rotate_p", "flip_p"):
            p = getattr(self, name)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {p}")

    @classmethod
    def for_model(
        cls, crop: int, base_resize: tuple[int, int] = (256, 256), base_crop: int = _BASE_CROP, **options: Any
    ) -> ClipTransform:
        """A transform whose resize is `base_resize` scaled by crop / base_crop.

        E.g. crop 112 with the official (256, 256) for 224 gives resize (128, 128).
        """
        scale = crop / base_crop
        resize = (max(crop, round(base_resize[0] * scale)), max(crop, round(base_resize[1] * scale)))
        return cls(resize=resize, crop=crop, **options)

    def sample_params(self, rng: np.random.Generator | None, train: bool = True) -> dict[str, Any]:
        """Draws one clip's parameters.

        Args:
            rng: randomness (required when train is True).
            train: False gives the evaluation parameters (centre crop, no rotation or flip).

        Returns:
            {"x0": int, "y0": int, "angle": float (degrees, counter-clockwise), "flip": bool}.
        """
        w, h = self.resize
        if not train:
            return {"x0": (w - self.crop) // 2, "y0": (h - self.crop) // 2, "angle": 0.0, "flip": False}
        if rng is None:
            raise ValueError("training parameters need an rng (numpy Generator)")
        x0 = int(rng.integers(0, w - self.crop + 1))
        y0 = int(rng.integers(0, h - self.crop + 1))
        rotate = rng.random() < self.rotate_p
        angle = float(rng.uniform(-self.rotate_deg, self.rotate_deg)) if rotate else 0.0
        flip = bool(rng.random() < self.flip_p)
        return {"x0": x0, "y0": y0, "angle": angle, "flip": flip}

    def eval_params(self) -> dict[str, Any]:
        """The deterministic evaluation parameters (resize + centre crop)."""
        return self.sample_params(None, train=False)

    def apply(self, frames: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Applies one clip's parameters to every frame.

        Args:
            frames: [T, H, W, 3] or [T, H, W], uint8 (uint16 works too).
            params: from `sample_params` / `eval_params`.

        Returns:
            [T, crop, crop, 3] (or [T, crop, crop]) of the input dtype.

        Raises:
            ValueError: frames of an unsupported shape, or a crop window outside the frame.
        """
        if frames.ndim not in (3, 4) or (frames.ndim == 4 and frames.shape[-1] != 3):
            raise ValueError(f"frames must be [T, H, W, 3] or [T, H, W], got {list(frames.shape)}")
        w, h = self.resize
        x0, y0, c = int(params["x0"]), int(params["y0"]), self.crop
        if not (0 <= x0 <= w - c and 0 <= y0 <= h - c):
            raise ValueError(f"crop at ({x0}, {y0}) of size {c} does not fit a {w}x{h} frame")
        angle = float(params["angle"])
        rotation = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), angle, 1.0) if angle != 0.0 else None
        out = np.empty((frames.shape[0], c, c) + frames.shape[3:], frames.dtype)
        for t, frame in enumerate(frames):
            frame = np.ascontiguousarray(frame)
            if frame.shape[:2] != (h, w):
                frame = cv2.resize(frame, (w, h), interpolation=cv2.INTER_LINEAR)
            if rotation is not None:
                frame = cv2.warpAffine(
                    frame,
                    rotation,
                    (w, h),
                    flags=cv2.INTER_LINEAR,
                    borderMode=cv2.BORDER_CONSTANT,
                    borderValue=0,
                )
            out[t] = frame[y0 : y0 + c, x0 : x0 + c]
        if params["flip"]:
            out = np.ascontiguousarray(out[:, :, ::-1])
        return out

    def apply_pair(
        self, rgb: np.ndarray | None, depth: np.ndarray | None, params: dict[str, Any]
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """`apply` with the same parameters to both modalities of a pair (None passes through)."""
        return (
            self.apply(rgb, params) if rgb is not None else None,
            self.apply(depth, params) if depth is not None else None,
        )


def official_transform(dataset: str, crop: int = _BASE_CROP, flip_p: float | None = None) -> ClipTransform:
    """The official augmentation settings of a dataset, scaled to a `crop` input size.

    nvgesture / isogd / synth: resize (256, 256), rotation +-10 deg p 0.5, no flip;
    ntu: (320, 240), +-10 deg p 0.5, flip p 0.5; thuread: (320, 240), +-45 deg p 0.8, flip 0.5.

    Args:
        dataset: one of the names above.
        crop: model input size (official 224); the resize scales with it.
        flip_p: override the flip probability.

    Raises:
        ValueError: unknown dataset.
    """
    key = dataset.lower().replace("-", "").replace("_", "")
    if key not in _OFFICIAL:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(_OFFICIAL)}")
    resize, deg, rot_p, flip = _OFFICIAL[key]
    t = ClipTransform.for_model(crop, base_resize=resize, rotate_deg=deg, rotate_p=rot_p, flip_p=flip)
    return t if flip_p is None else replace(t, flip_p=flip_p)
