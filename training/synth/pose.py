"""Per-frame state of the gesturing hand in SynthGesture v2 (what the motion plans and the
person renderer draws).

The class semantics of the specification hold: the hand's image (position, size, outline,
colour) never depends on `z`, so push and pull differ only in depth; and the depth never
depends on `flip`, so the two flips differ only in colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

POSE_FIELDS = ("x", "y", "angle", "z", "openness", "curl", "spread", "flip", "tilt")


@dataclass(frozen=True)
class HandPose:
    """The gesturing hand at one instant.

    Attributes:
        present: False when the hand is out of view (nothing of it is drawn).
        x, y: palm centre in pixels of the frame (integers are pixel centres); may lie
            outside the frame for a hand partly out of view.
        angle: in-plane rotation, radians, clockwise on screen; 0 = fingers point up.
        z: palm-centre distance along the optical axis, mm.
        openness: 0 fist .. 1 open palm (how far the fingers are extended).
        curl: 0 .. 1 extra relaxed curl of the fingers on top of `openness` (a relaxed,
            partly curled hand while it moves); never used to tell classes apart.
        spread: 0 fingers together .. 1 fanned out.
        flip: 0 palm side .. 1 back side towards the camera (colour only).
        tilt: out-of-plane tilt of the palm about its horizontal axis, radians (the fingers
            lean towards the camera for positive tilt), |tilt| < 0.6.
    """

    present: bool
    x: float
    y: float
    angle: float
    z: float
    openness: float
    curl: float = 0.0
    spread: float = 0.5
    flip: float = 0.0
    tilt: float = 0.0


@dataclass
class PoseTrack:
    """HandPose over T frames as arrays: `present` bool [T], every field of POSE_FIELDS
    float64 [T]."""

    present: np.ndarray
    x: np.ndarray
    y: np.ndarray
    angle: np.ndarray
    z: np.ndarray
    openness: np.ndarray
    curl: np.ndarray
    spread: np.ndarray
    flip: np.ndarray
    tilt: np.ndarray

    def __len__(self) -> int:
        return len(self.present)

    def pose(self, t: int) -> HandPose:
        """The pose at frame `t`."""
        return HandPose(bool(self.present[t]), *(float(getattr(self, f)[t]) for f in POSE_FIELDS))
