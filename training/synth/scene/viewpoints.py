"""Camera poses of the v2 viewpoints and where the gesturing hand and body may be.

World: floor y = 0 (y down), z forward. 'facing': a kiosk or TV camera at 0.9-1.8 m looking
at a person; 'overhead': looking down (50-90 degrees) at a hand above a desk; 'car': on the
centre console looking up and back at the driver's hand; 'headworn': from eye height, tilted
down 20-55 degrees, with stronger shake.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.synth.randomness import uniform

VIEWPOINTS = ("facing", "overhead", "car", "headworn")


@dataclass(frozen=True)
class Pose:
    """A sampled camera pose and the gesture space in front of it.

    Attributes:
        fov_deg: horizontal field of view, degrees (25 .. 48).
        position: world mm.
        yaw, pitch, roll: radians (roll -8 .. 8 degrees).
        hand_depth_mm: (near, far) depths along the optical axis where the hand may be.
        body_depth_mm: the gesturer's torso depth ('facing'), else None.
        arm_entry: 'body', 'bottom', 'left' or 'right'.
        shake_px: standard deviation of the frame-to-frame shake, px.
        drift_deg: standard deviation of the slow drift of the view, degrees.
    """

    fov_deg: float
    position: tuple[float, float, float]
    yaw: float
    pitch: float
    roll: float
    hand_depth_mm: tuple[float, float]
    body_depth_mm: float | None
    arm_entry: str
    shake_px: float
    drift_deg: float


def _entry(rng: np.random.Generator) -> str:
    return ("bottom", "bottom", "left", "right")[int(rng.integers(0, 4))]


def sample_pose(rng: np.random.Generator, viewpoint: str, desk_top_y: float = -740.0) -> Pose:
    """Draws a camera pose for `viewpoint` (a fixed number of draws per viewpoint).

    Args:
        rng: the recording's Generator.
        viewpoint: one of VIEWPOINTS.
        desk_top_y: for 'overhead', the world y of the desk top the camera looks at, mm
            (the camera looks at the point (0, desk_top_y, 0)).

    Raises:
        ValueError: for an unknown viewpoint.
    """
    # Narrow enough that the hand fills a useful share of the frame (a palm about 14-35 px wide at 128
    # px): like a crop around the person, as the hand-centred datasets and version 1 frame it.
    fov = uniform(rng, (25.0, 48.0))
    roll = math.radians(uniform(rng, (-8.0, 8.0)))
    shake = uniform(rng, (0.05, 1.2)) if uniform(rng, (0, 1)) < 0.8 else uniform(rng, (1.2, 2.2))
    drift = uniform(rng, (0.0, 0.6))
    if viewpoint == "facing":
        near = uniform(rng, (380.0, 480.0))
        far = near + uniform(rng, (400.0, 480.0))
        body = max((near + far) / 2 + uniform(rng, (200.0, 600.0)), far + 100.0)
        height = uniform(rng, (900.0, 1800.0))
        pitch = math.atan2(height - 1250.0, body) + math.radians(uniform(rng, (-6.0, 6.0)))
        yaw = math.radians(uniform(rng, (-10.0, 10.0)))
        return Pose(fov, (0.0, -height, 0.0), yaw, pitch, roll, (near, far), body, "body", shake, drift)
    if viewpoint == "overhead":
        near = uniform(rng, (300.0, 380.0))
        far = near + uniform(rng, (400.0, 480.0))
        dist = far + uniform(rng, (300.0, 700.0))
        pitch = math.radians(uniform(rng, (50.0, 90.0)))
        yaw = math.radians(uniform(rng, (-35.0, 35.0)))
        fwd = (math.sin(yaw) * math.cos(pitch), math.sin(pitch), math.cos(yaw) * math.cos(pitch))
        pos = (-dist * fwd[0], desk_top_y - dist * fwd[1], -dist * fwd[2])
        return Pose(fov, pos, yaw, pitch, roll, (near, far), None, _entry(rng), shake, drift)
    if viewpoint == "car":
        near = uniform(rng, (280.0, 320.0))
        far = near + uniform(rng, (390.0, 420.0))
        # at the front of the centre console, below the dashboard's edge, looking back and up at
        # the driver (NvGesture-like), far enough from the seats for a push or a pull
        pos = (uniform(rng, (-150.0, 100.0)), -uniform(rng, (580.0, 660.0)), uniform(rng, (300.0, 480.0)))
        yaw = math.pi + math.radians(uniform(rng, (-25.0, 20.0)))
        pitch = -math.radians(uniform(rng, (10.0, 30.0)))
        return Pose(fov, pos, yaw, pitch, roll, (near, far), None, _entry(rng), shake * 0.7, drift * 0.5)
    if viewpoint == "headworn":
        near = uniform(rng, (300.0, 350.0))
        far = near + uniform(rng, (400.0, 450.0))
        pos = (uniform(rng, (-300.0, 300.0)), -uniform(rng, (1450.0, 1800.0)), uniform(rng, (-200.0, 300.0)))
        yaw = math.radians(uniform(rng, (-20.0, 20.0)))
        pitch = math.radians(uniform(rng, (20.0, 55.0)))
        return Pose(fov, pos, yaw, pitch, roll, (near, far), None, _entry(rng), shake * 2 + 1.0, drift * 3 + 0.5)
    raise ValueError(f"unknown viewpoint {viewpoint!r}; expected one of {VIEWPOINTS}")
