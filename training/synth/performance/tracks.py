"""Pose tracks as dicts of per-frame arrays while they are assembled, and the curves that
move them (basic arithmetic only)."""

from __future__ import annotations

import numpy as np

from training.synth.pose import POSE_FIELDS, PoseTrack

Fields = dict[str, np.ndarray]
"""Per-frame arrays keyed by POSE_FIELDS plus "present" (bool); all of one length."""
Pose = dict[str, float]
"""One frame: values keyed by POSE_FIELDS (a present hand)."""


def progress(frames: int, ease: float, skew: float) -> np.ndarray:
    """Stroke progress from exactly 0 (first frame) to exactly 1 (last frame), float64 [frames].

    Args:
        frames: number of frames (>= 2).
        ease: blend of constant speed (0) and a smooth start and stop (1).
        skew: moves the fastest part earlier (< 0) or later (> 0), |skew| < 1.
    """
    s = np.arange(frames, dtype=np.float64) / (frames - 1)
    s = s - skew * s * (1 - s)  # monotone time warp (derivative >= 1 - |skew| > 0)
    smooth = s * s * s * (s * (6 * s - 15) + 10)
    return (1 - ease) * s + ease * smooth


def bump(p: np.ndarray) -> np.ndarray:
    """0 at p = 0 and 1, 1 at p = 0.5 (a parabola), same shape."""
    return 4 * p * (1 - p)


def hold(pose: Pose, frames: int, present: bool = True) -> Fields:
    """`frames` frames of a still hand (or of no hand with present=False)."""
    out = {f: np.full(frames, pose[f], dtype=np.float64) for f in POSE_FIELDS}
    out["present"] = np.full(frames, present, dtype=bool)
    return out


def glide(a: Pose, b: Pose, frames: int) -> Fields:
    """A smooth move from `a` (excluded) to `b` (the last frame) over `frames` frames."""
    p = progress(frames + 1, 1.0, 0.0)[1:]
    out = {f: a[f] + (b[f] - a[f]) * p for f in POSE_FIELDS}
    out["present"] = np.ones(frames, dtype=bool)
    return out


def concat(parts: list[Fields]) -> Fields:
    """The parts one after another (empty parts allowed)."""
    keys = (*POSE_FIELDS, "present")
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def first(fields: Fields) -> Pose:
    """The pose at the first frame."""
    return {f: float(fields[f][0]) for f in POSE_FIELDS}


def last(fields: Fields) -> Pose:
    """The pose at the last frame."""
    return {f: float(fields[f][-1]) for f in POSE_FIELDS}


def length(fields: Fields) -> int:
    """Number of frames."""
    return len(fields["present"])


def to_track(fields: Fields) -> PoseTrack:
    """A PoseTrack from assembled fields (copies)."""
    return PoseTrack(
        present=np.asarray(fields["present"], dtype=bool).copy(),
        **{f: np.asarray(fields[f], dtype=np.float64).copy() for f in POSE_FIELDS},
    )
