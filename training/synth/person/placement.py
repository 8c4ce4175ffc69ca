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


@dataclass(frozen=True)
class _Draws:
    """The 16 uniform 0..1 draws a placement always makes, whichever the entry."""

    values: np.ndarray

    def lerp(self, k: int, lo: float, hi: float) -> float:
        """Draw k mapped linearly onto [lo, hi]."""
        return lo + (hi - lo) * float(self.values[k])


@dataclass(frozen=True)
class _Body:
    """The body's image geometry ('body' entry; all zero otherwise).

    Attributes:
        s: image scale of the body, px per mm.
        x, y: centre of the shoulder line, px.
        elbow_dx, elbow_dy: the elbow's offset from the shoulder, px.
        elbow_depth_mm: the elbow's depth with the palm at the nominal depth.
    """

    s: float = 0.0
    x: float = 0.0
    y: float = 0.0
    elbow_dx: float = 0.0
    elbow_dy: float = 0.0
    elbow_depth_mm: float = 0.0


@dataclass(frozen=True)
class _IdleSpot:
    """Where the idle hand rests: palm centre x, y (px), in-plane angle (rad), palm depth
    (mm) and the entry its arm comes from."""

    x: float
    y: float
    angle: float
    depth_mm: float
    entry: str


def _check_entry(arm_entry: str, body_depth_mm: float | None) -> None:
    """Raises ValueError for an unknown entry or a body depth that does not match it."""
    if arm_entry not in ARM_ENTRIES:
        raise ValueError(f"unknown arm entry {arm_entry!r}, expected one of {ARM_ENTRIES}")
    if (arm_entry == "body") != (body_depth_mm is not None):
        raise ValueError("body_depth_mm must be given exactly when arm_entry is 'body'")


def _body_geometry(draws: _Draws, person: PersonIdentity, camera: Camera, depth: float, body_depth_mm: float) -> _Body:
    """The body's scale, shoulder line and elbow for a torso at `body_depth_mm` (draws 1..5)."""
    n, h = camera.size, person.handed
    body_s = camera.focal_px / body_depth_mm
    # The gesturing shoulder is on the image side of the hand (a right hand: image left).
    return _Body(
        s=body_s,
        x=n * (0.5 + h * draws.lerp(1, -0.05, 0.3)),
        y=n * draws.lerp(2, 0.45, 0.85),
        elbow_dx=-h * draws.lerp(3, 0.0, 0.35) * person.upper_arm_mm * body_s,
        elbow_dy=draws.lerp(4, 0.55, 0.85) * person.upper_arm_mm * body_s,
        elbow_depth_mm=body_depth_mm - draws.lerp(5, 0.25, 0.6) * (body_depth_mm - depth),
    )


def _idle_facing(draws: _Draws, person: PersonIdentity, body: _Body, body_depth_mm: float) -> _IdleSpot:
    """The idle hand hanging from the other shoulder of a facing body (draws 10..13)."""
    h, body_s = person.handed, body.s
    shoulder_x = body.x + h * 0.42 * person.shoulder_mm * body_s
    return _IdleSpot(
        x=shoulder_x + h * draws.lerp(10, -0.6, 0.2) * person.upper_arm_mm * body_s,
        y=body.y + draws.lerp(11, 0.9, 1.5) * person.upper_arm_mm * body_s,
        angle=np.pi + h * draws.lerp(12, -0.3, 0.9),
        depth_mm=body_depth_mm - draws.lerp(13, 60.0, 160.0),
        entry="body",
    )


def _idle_border(draws: _Draws, person: PersonIdentity, arm_entry: str, n: int, depth: float) -> _IdleSpot:
    """The idle hand near an image border, its arm entering there (draws 10..14)."""
    h = person.handed
    other = {"bottom": "bottom", "left": "bottom", "right": "bottom"}[arm_entry]
    if draws.values[14] < 0.5:
        other = {"bottom": "right" if h > 0 else "left", "left": "left", "right": "right"}[arm_entry]
    along = n * (0.5 - h * draws.lerp(10, 0.2, 0.45))
    inward = n * draws.lerp(11, 0.0, 0.25)
    if other == "bottom":
        idle_x, idle_y, base = along, n - inward, 0.0
    elif other == "left":
        idle_x, idle_y, base = inward, along, np.pi / 2
    else:
        idle_x, idle_y, base = n - inward, along, -np.pi / 2
    return _IdleSpot(idle_x, idle_y, base + draws.lerp(12, -0.5, 0.5), depth + draws.lerp(13, -40.0, 150.0), other)


def _body_and_idle(
    draws: _Draws, person: PersonIdentity, camera: Camera, arm_entry: str, depth: float, body_depth_mm: float | None
) -> tuple[_Body, _IdleSpot]:
    """The body's geometry (all zero without a body) and where the idle hand rests."""
    if body_depth_mm is not None:
        body = _body_geometry(draws, person, camera, depth, body_depth_mm)
        return body, _idle_facing(draws, person, body, body_depth_mm)
    return _Body(), _idle_border(draws, person, arm_entry, camera.size, depth)


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
    _check_entry(arm_entry, body_depth_mm)
    depth = uniform(rng, hand_depth_mm)
    draws = _Draws(rng.uniform(0.0, 1.0, 16))  # always 16 draws, whichever entry
    body, idle = _body_and_idle(draws, person, camera, arm_entry, depth, body_depth_mm)
    s = camera.focal_px / depth
    return Placement(
        arm_entry=arm_entry,
        hand_depth_mm=depth,
        hand_px=person.palm_width_mm * s,
        px_per_mm=s,
        body_depth_mm=body_depth_mm,
        body_px_per_mm=body.s,
        body_x=body.x,
        body_y=body.y,
        elbow_dx=body.elbow_dx,
        elbow_dy=body.elbow_dy,
        elbow_follow=draws.lerp(15, 0.15, 0.4),
        elbow_depth_mm=body.elbow_depth_mm,
        entry_pos=draws.lerp(0, 0.2, 0.8) * camera.size,
        entry_follow=draws.lerp(1, 0.3, 0.7),
        arm_rise_mm=draws.lerp(5, 0.0, 150.0),
        sway_px=uniform(rng, (0.005, 0.02)) * person.shoulder_mm * body.s,
        sway_period=uniform(rng, (60.0, 200.0)),
        sway_phase=uniform(rng, (0.0, 2 * np.pi)),
        idle=bool(draws.values[6] < 0.25),
        idle_x=float(idle.x),
        idle_y=float(idle.y),
        idle_angle=float(idle.angle),
        idle_depth_mm=float(idle.depth_mm),
        idle_px_per_mm=camera.focal_px / float(idle.depth_mm),
        idle_openness=draws.lerp(8, 0.3, 0.8),
        idle_curl=draws.lerp(9, 0.3, 1.0),
        idle_flip=draws.lerp(7, 0.4, 1.0),
        idle_entry=idle.entry,
    )
