"""Hand motion: per-frame hand states and the motion of each gesture class.

Every plan draws the same values from its Generator whatever the class, so two classes
rendered from the same seed share everything but the gesture itself: push and pull differ
only in depth, the two flips only in colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from training.synth import classes as C
from training.synth.constants import BASE_GESTURE_FRAMES, HAND_DEPTH_MM, PUSH_PULL_DELTA_MM
from training.synth.randomness import cos, sin, smooth_noise, uniform

_Z_MARGIN_MM = 40.0  # keeps relief, jitter and noise inside HAND_DEPTH_MM
FIELDS = ("x", "y", "angle", "openness", "flip", "z")


@dataclass(frozen=True)
class HandState:
    """The hand at one instant.

    Attributes:
        x, y: palm centre, px (integers are pixel centres).
        angle: rotation, radians (clockwise on screen).
        openness: 0 fist .. 1 spread palm.
        flip: 0 palm side .. 1 back side towards the camera.
        z: nominal depth, mm.
    """

    x: float
    y: float
    angle: float
    openness: float
    flip: float
    z: float


@dataclass
class HandTrack:
    """Hand states over T frames (all float64 [T] arrays, `present` bool [T])."""

    present: np.ndarray
    x: np.ndarray
    y: np.ndarray
    angle: np.ndarray
    openness: np.ndarray
    flip: np.ndarray
    z: np.ndarray

    def __len__(self) -> int:
        return len(self.present)

    def state(self, t: int) -> HandState:
        """The state at frame `t`."""
        return HandState(*(float(getattr(self, f)[t]) for f in FIELDS))

    @staticmethod
    def hold(state: HandState, frames: int, present: bool = True) -> HandTrack:
        """`frames` frames of a still hand (or of no hand, with present=False)."""
        values = {f: np.full(frames, getattr(state, f), dtype=np.float64) for f in FIELDS}
        return HandTrack(present=np.full(frames, present, dtype=bool), **values)

    @staticmethod
    def concat(parts: list[HandTrack]) -> HandTrack:
        """The tracks one after another."""
        return HandTrack(
            present=np.concatenate([p.present for p in parts]),
            **{f: np.concatenate([getattr(p, f) for p in parts]) for f in FIELDS},
        )


def ease(frames: int, mix: float) -> np.ndarray:
    """Progress 0 -> 1 over `frames` frames, ending at exactly 1 (float64 [frames]).

    The first value is already past 0 (frame 0 of the motion has moved). `mix` blends a
    constant speed (0) with a smooth start and stop (1).
    """
    s = np.arange(1, frames + 1, dtype=np.float64) / frames
    return (1 - mix) * s + mix * (s * s * (3 - 2 * s))


def sample_speed_frames(rng: np.random.Generator) -> int:
    """Gesture duration in frames for a speed drawn log-uniformly from [1, 2]."""
    speed = math.exp(uniform(rng, (0.0, math.log(2.0))))
    return int(round(BASE_GESTURE_FRAMES / speed))


@dataclass(frozen=True)
class GesturePlan:
    """Everything random about one gesture, drawn for all classes alike.

    Attributes:
        duration: gesture frames D.
        ease: smooth start/stop blend of the progress curve.
        rest: the hand at rest (position, angle, openness, side, depth) for gestures
            that do not move across the frame.
        idle_openness: openness of a resting `no_gesture` hand (sometimes a fist).
        fist: openness of the closed hand in open_hand / close_hand.
        spread: openness of the open hand in open_hand / close_hand.
        swipe_from, swipe_to: where a swipe starts and ends along its axis, as a fraction
            of the frame, for a left or up swipe (mirrored for right and down).
        swipe_row: fraction of the frame height of a horizontal swipe.
        swipe_column: fraction of the frame width of a vertical swipe.
        swipe_arc: sideways bow of a swipe, px.
        tilt: rotation of the hand over a moving gesture, radians.
        circle_centre: (x, y) px; circle_radius px; circle_start radians; circle_turns.
        depth_delta: how far push / pull move, mm; depth_near: their nearest depth, mm.
        idle_mode: for no_gesture clips: 0 rest, 1 no hand, 2 hand appears, 3 disappears.
        idle_switch: when the hand appears / disappears, as a fraction of the clip.
        drift: (dx, dy) slow drift of a resting hand over a no_gesture clip, px.
    """

    duration: int
    ease: float
    rest: HandState
    idle_openness: float
    fist: float
    spread: float
    swipe_from: float
    swipe_to: float
    swipe_row: float
    swipe_column: float
    swipe_arc: float
    tilt: float
    circle_centre: tuple[float, float]
    circle_radius: float
    circle_start: float
    circle_turns: float
    depth_delta: float
    depth_near: float
    idle_mode: int
    idle_switch: float
    drift: tuple[float, float]


def sample_plan(rng: np.random.Generator, size: int, duration: int) -> GesturePlan:
    """Draws a gesture plan (the same draws whatever the class).

    Args:
        rng: random source.
        size: frame size, px.
        duration: gesture frames D.
    """
    z_lo, z_hi = HAND_DEPTH_MM[0] + _Z_MARGIN_MM, HAND_DEPTH_MM[1] - _Z_MARGIN_MM
    rest = HandState(
        x=uniform(rng, (0.32, 0.68)) * size,
        y=uniform(rng, (0.42, 0.68)) * size,
        angle=math.radians(uniform(rng, (-25.0, 25.0))),
        openness=uniform(rng, (0.6, 1.0)),
        flip=float(rng.random() < 0.5),
        z=uniform(rng, (z_lo + 20.0, z_hi - 20.0)),
    )
    idle_fist = rng.random() < 0.25
    idle_openness = uniform(rng, (0.0, 0.5))
    delta = uniform(rng, PUSH_PULL_DELTA_MM)
    modes = rng.choice(4, p=[0.5, 0.25, 0.125, 0.125])
    return GesturePlan(
        duration=duration,
        ease=uniform(rng, (0.2, 1.0)),
        rest=rest,
        idle_openness=idle_openness if idle_fist else rest.openness,
        fist=uniform(rng, (0.0, 0.1)),
        spread=uniform(rng, (0.8, 1.0)),
        swipe_from=uniform(rng, (0.76, 0.88)),
        swipe_to=uniform(rng, (0.12, 0.24)),
        swipe_row=uniform(rng, (0.4, 0.66)),
        swipe_column=uniform(rng, (0.3, 0.7)),
        swipe_arc=uniform(rng, (-0.06, 0.06)) * size,
        tilt=math.radians(uniform(rng, (-10.0, 10.0))),
        circle_centre=(uniform(rng, (0.42, 0.58)) * size, uniform(rng, (0.45, 0.58)) * size),
        circle_radius=uniform(rng, (0.2, 0.33)) * size,
        circle_start=uniform(rng, (0.0, 2 * math.pi)),
        circle_turns=uniform(rng, (0.9, 1.1)),
        depth_delta=delta,
        depth_near=uniform(rng, (z_lo, z_hi - delta)),
        idle_mode=int(modes),
        idle_switch=uniform(rng, (0.2, 0.8)),
        drift=(uniform(rng, (-0.03, 0.03)) * size, uniform(rng, (-0.03, 0.03)) * size),
    )


def _track(present: np.ndarray | None = None, **fields: np.ndarray | float) -> HandTrack:
    frames = max(np.size(v) for v in fields.values())
    arrays = {f: np.broadcast_to(np.asarray(v, dtype=np.float64), (frames,)).copy() for f, v in fields.items()}
    if present is None:
        present = np.ones(frames, dtype=bool)
    return HandTrack(present=present, **arrays)


def gesture_motion(label: int, plan: GesturePlan, size: int) -> tuple[HandState, HandTrack]:
    """The motion of one gesture.

    Args:
        label: class id (for 0, `no_gesture`, a resting hand that drifts slightly).
        plan: the gesture's random choices.
        size: frame size, px.

    Returns:
        The state just before the motion and the D-frame motion (its last frame is the
        state the hand rests in afterwards).
    """
    label = C.check_label(label)
    d = plan.duration
    p = ease(d, plan.ease)
    r = plan.rest
    base = dict(x=r.x, y=r.y, angle=r.angle, openness=r.openness, flip=r.flip, z=r.z)

    if label in C.SWIPES:
        lo, hi = plan.swipe_to * size, plan.swipe_from * size
        first, last = (hi, lo) if label in (C.SWIPE_LEFT, C.SWIPE_UP) else (lo, hi)
        along = np.concatenate([[first], first + (last - first) * p])
        bow = plan.swipe_arc * sin(math.pi * np.concatenate([[0.0], p]))
        angle = r.angle + plan.tilt * (np.concatenate([[0.0], p]) - 0.5)
        if label in (C.SWIPE_LEFT, C.SWIPE_RIGHT):
            x, y = along, plan.swipe_row * size + bow
        else:
            x, y = plan.swipe_column * size + bow, along
        track = _track(**{**base, "x": x, "y": y, "angle": angle})
    elif label in C.CIRCLES:
        sign = 1.0 if label == C.CIRCLE_CW else -1.0  # y points down: +angle is clockwise
        theta = plan.circle_start + sign * 2 * math.pi * plan.circle_turns * np.concatenate([[0.0], p])
        cx, cy = plan.circle_centre
        x = cx + plan.circle_radius * cos(theta)
        y = cy + plan.circle_radius * sin(theta)
        angle = r.angle + plan.tilt * (np.concatenate([[0.0], p]) - 0.5)
        track = _track(**{**base, "x": x, "y": y, "angle": angle})
    elif label in (C.PUSH, C.PULL):
        near, far = plan.depth_near, plan.depth_near + plan.depth_delta
        first, last = (far, near) if label == C.PUSH else (near, far)
        z = np.concatenate([[first], first + (last - first) * p])
        track = _track(**{**base, "z": z})
    elif label in (C.OPEN_HAND, C.CLOSE_HAND):
        first, last = (plan.fist, plan.spread) if label == C.OPEN_HAND else (plan.spread, plan.fist)
        openness = np.concatenate([[first], first + (last - first) * p])
        track = _track(**{**base, "openness": openness})
    elif label in (C.FLIP_TO_BACK, C.FLIP_TO_PALM):
        first, last = (0.0, 1.0) if label == C.FLIP_TO_BACK else (1.0, 0.0)
        flip = np.concatenate([[first], first + (last - first) * p])
        track = _track(**{**base, "flip": flip})
    else:  # no_gesture: a resting hand drifting slowly
        q = np.concatenate([[0.0], p])
        track = _track(
            **{
                **base,
                "openness": plan.idle_openness,
                "x": r.x + plan.drift[0] * q,
                "y": r.y + plan.drift[1] * q,
            }
        )
    start = track.state(0)
    motion = HandTrack(present=track.present[1:], **{f: getattr(track, f)[1:] for f in FIELDS})
    return start, motion


@dataclass(frozen=True)
class Jitter:
    """Small tremor of a hand: standard deviations of its smooth random wobble.

    Attributes:
        xy: px; angle: radians; z: mm; openness: unitless.
    """

    xy: float
    angle: float
    z: float
    openness: float


def sample_jitter(rng: np.random.Generator, size: int) -> Jitter:
    """Draws tremor strengths for frames of `size` px."""
    return Jitter(
        xy=uniform(rng, (0.4, 1.2)) * size / 128,
        angle=math.radians(uniform(rng, (0.3, 1.2))),
        z=uniform(rng, (1.5, 4.0)),
        openness=uniform(rng, (0.0, 0.015)),
    )


def add_jitter(track: HandTrack, jitter: Jitter, rng: np.random.Generator) -> HandTrack:
    """The track plus smooth random tremor (draws 5 * T values from `rng`)."""
    n = len(track)
    x = track.x + jitter.xy * smooth_noise(rng, n)
    y = track.y + jitter.xy * smooth_noise(rng, n)
    angle = track.angle + jitter.angle * smooth_noise(rng, n)
    z = track.z + jitter.z * smooth_noise(rng, n)
    openness = np.clip(track.openness + jitter.openness * smooth_noise(rng, n), 0, 1)
    return replace(track, x=x, y=y, angle=angle, z=z, openness=openness)
