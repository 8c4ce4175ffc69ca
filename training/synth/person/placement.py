"""Where the gesturer is in a recording: the hand's nominal depth and pixel size, where the
arm comes from, the body behind, the sway, an idle second hand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.synth.camera import Camera
from training.synth.person.identity import PersonIdentity
from training.synth.randomness import uniform

ARM_ENTRIES = ("body", "bottom", "left", "right")


@dataclass(frozen=True)
class Placement:
    """The gesturer's placement for one recording (pixels of the frame, depths in mm).

    Attributes:
        arm_entry: one of ARM_ENTRIES ('body': the camera faces the person).
        hand_depth_mm: nominal depth of the palm; fixes the hand's pixel size whatever the
            pose's z.
        hand_px: palm width in px at the nominal depth.
        px_per_mm: the hand's (and the wrist's) image scale, px per mm.
        body_depth_mm: depth of the torso's front ('body' only, else None).
        body_px_per_mm: image scale of the body (0 without a body).
        body_x, body_y: centre of the shoulder line in px, before the sway.
        elbow_dx, elbow_dy: 'body': offset of the elbow from the shoulder in px.
        elbow_follow: 'body': fraction of the hand's offset from the shoulder the elbow
            follows (0.15..0.4).
        elbow_depth_mm: 'body': the elbow's depth when the palm is at the nominal depth
            (it moves with the wrist by half the wrist's depth change).
        entry_pos: border entry: where along the border the arm crosses when the hand is
            centred, px; entry_follow the fraction of the hand's offset it follows.
        arm_rise_mm: border entry: how much deeper the elbow is than the wrist.
        sway_px: amplitude of the body's slow sway, px; sway_period frames; sway_phase rad.
        idle: whether an idle second hand rests in view.
        idle_x, idle_y, idle_angle: its palm centre (px) and in-plane angle (rad).
        idle_depth_mm: its palm depth; idle_px_per_mm its image scale.
        idle_openness, idle_curl, idle_flip: its (still) shape.
        idle_entry: 'body': the idle arm hangs from the other shoulder; else the border it
            comes from.
    """

    arm_entry: str
    hand_depth_mm: float
    hand_px: float
    px_per_mm: float
    body_depth_mm: float | None
    body_px_per_mm: float
    body_x: float
    body_y: float
    elbow_dx: float
    elbow_dy: float
    elbow_follow: float
    elbow_depth_mm: float
    entry_pos: float
    entry_follow: float
    arm_rise_mm: float
    sway_px: float
    sway_period: float
    sway_phase: float
    idle: bool
    idle_x: float
    idle_y: float
    idle_angle: float
    idle_depth_mm: float
    idle_px_per_mm: float
    idle_openness: float
    idle_curl: float
    idle_flip: float
    idle_entry: str


def sample_placement(
    rng: np.random.Generator,
    person: PersonIdentity,
    camera: Camera,
    arm_entry: str,
    hand_depth_mm: tuple[float, float],
    body_depth_mm: float | None,
) -> Placement:
    """Draws the gesturer's placement for a recording (a fixed number of draws).

    Args:
        rng: the recording's Generator.
        person: the gesturer.
        camera: the camera (its size and focal length set the pixel scales).
        arm_entry: 'body' (the camera faces the person; `body_depth_mm` is the torso's
            depth, 200..600 mm behind the hand) or 'bottom' / 'left' / 'right' (the forearm
            enters from that image border; `body_depth_mm` None).
        hand_depth_mm: (low, high) range of the palm's depth; the nominal depth is drawn
            uniformly from it.
        body_depth_mm: see `arm_entry`.

    Raises:
        ValueError: for an unknown entry or a body depth that does not match it.
    """
    if arm_entry not in ARM_ENTRIES:
        raise ValueError(f"unknown arm entry {arm_entry!r}, expected one of {ARM_ENTRIES}")
    if (arm_entry == "body") != (body_depth_mm is not None):
        raise ValueError("body_depth_mm must be given exactly when arm_entry is 'body'")
    n = camera.size
    f = camera.focal_px
    h = person.handed
    depth = uniform(rng, hand_depth_mm)
    s = f / depth
    draws = rng.uniform(0.0, 1.0, 16)  # always 16 draws, whichever entry

    def lerp(k: int, lo: float, hi: float) -> float:
        return lo + (hi - lo) * float(draws[k])

    body_s = 0.0
    body_x = body_y = elbow_dx = elbow_dy = elbow_depth = 0.0
    entry_pos = lerp(0, 0.2, 0.8) * n
    if body_depth_mm is not None:
        body_s = f / body_depth_mm
        # The gesturing shoulder is on the image side of the hand (a right hand: image left).
        body_x = n * (0.5 + h * lerp(1, -0.05, 0.3))
        body_y = n * lerp(2, 0.45, 0.85)
        elbow_dx = -h * lerp(3, 0.0, 0.35) * person.upper_arm_mm * body_s
        elbow_dy = lerp(4, 0.55, 0.85) * person.upper_arm_mm * body_s
        elbow_depth = body_depth_mm - lerp(5, 0.25, 0.6) * (body_depth_mm - depth)
    idle = bool(draws[6] < 0.25)
    idle_flip = lerp(7, 0.4, 1.0)
    idle_open = lerp(8, 0.3, 0.8)
    idle_curl = lerp(9, 0.3, 1.0)
    if arm_entry == "body":
        assert body_depth_mm is not None
        shoulder_x = body_x + h * 0.42 * person.shoulder_mm * body_s
        idle_x = shoulder_x + h * lerp(10, -0.6, 0.2) * person.upper_arm_mm * body_s
        idle_y = body_y + lerp(11, 0.9, 1.5) * person.upper_arm_mm * body_s
        idle_angle = np.pi + h * lerp(12, -0.3, 0.9)
        idle_depth = body_depth_mm - lerp(13, 60.0, 160.0)
        idle_entry = "body"
    else:
        other = {"bottom": "bottom", "left": "bottom", "right": "bottom"}[arm_entry]
        if draws[14] < 0.5:
            other = {"bottom": "right" if h > 0 else "left", "left": "left", "right": "right"}[arm_entry]
        idle_entry = other
        along = n * (0.5 - h * lerp(10, 0.2, 0.45))
        inward = n * lerp(11, 0.0, 0.25)
        if other == "bottom":
            idle_x, idle_y, base = along, n - inward, 0.0
        elif other == "left":
            idle_x, idle_y, base = inward, along, np.pi / 2
        else:
            idle_x, idle_y, base = n - inward, along, -np.pi / 2
        idle_angle = base + lerp(12, -0.5, 0.5)
        idle_depth = depth + lerp(13, -40.0, 150.0)
    return Placement(
        arm_entry=arm_entry,
        hand_depth_mm=depth,
        hand_px=person.palm_width_mm * s,
        px_per_mm=s,
        body_depth_mm=body_depth_mm,
        body_px_per_mm=body_s,
        body_x=body_x,
        body_y=body_y,
        elbow_dx=elbow_dx,
        elbow_dy=elbow_dy,
        elbow_follow=lerp(15, 0.15, 0.4),
        elbow_depth_mm=elbow_depth,
        entry_pos=entry_pos,
        entry_follow=lerp(1, 0.3, 0.7),
        arm_rise_mm=lerp(5, 0.0, 150.0),
        sway_px=uniform(rng, (0.005, 0.02)) * person.shoulder_mm * body_s,
        sway_period=uniform(rng, (60.0, 200.0)),
        sway_phase=uniform(rng, (0.0, 2 * np.pi)),
        idle=idle,
        idle_x=float(idle_x),
        idle_y=float(idle_y),
        idle_angle=float(idle_angle),
        idle_depth_mm=float(idle_depth),
        idle_px_per_mm=f / float(idle_depth),
        idle_openness=idle_open,
        idle_curl=idle_curl,
        idle_flip=idle_flip,
        idle_entry=idle_entry,
    )
