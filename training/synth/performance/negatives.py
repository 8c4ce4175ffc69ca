"""`no_gesture` as people do it: no hand, a resting hand, and hard negatives that look a
little like gestures but break their semantics (no full crossing of the frame at gesture
speed, no full open or close, no depth change of 150 mm, no full circle, no flip)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.synth.performance.tracks import Fields, Pose, bump, concat, glide, hold, progress
from training.synth.pose import POSE_FIELDS
from training.synth.randomness import sin, uniform

ABSENT, REST, SHIFT, REACH, SCRATCH, GLASSES, PASS, CURL, ENTER, LEAVE = range(10)
KIND_NAMES = ("absent", "rest", "shift", "reach", "scratch", "glasses", "pass", "curl", "enter", "leave")
KIND_WEIGHTS = (0.1, 0.14, 0.1, 0.12, 0.1, 0.1, 0.08, 0.1, 0.08, 0.08)
RETURNING = frozenset({REST, REACH, SCRATCH, GLASSES, CURL})
"""Kinds that end where they started (usable between two gestures of a stream)."""
MAX_SPEED = 0.012
"""Fastest travel of a reach, shift or glasses move, frame sizes per frame (a swipe
crosses 0.45 .. 1 frame in 26 .. 78 frames, at 0.017 .. 0.04)."""
MIN_MOVE_FRAMES = 24
"""A stretch shorter than this holds the hand still (a hard negative needs time to stay slow)."""
MAX_REACH = 0.26
"""Farthest excursion of a reach or shift from where it starts, frame sizes (a swipe's net
travel is at least 0.45)."""


@dataclass(frozen=True)
class NegativeDraw:
    """Everything random about one `no_gesture` stretch, drawn alike for every kind.

    Attributes:
        kind: ABSENT .. LEAVE (see KIND_NAMES).
        start, leg, pause: when the movement starts, how long each leg takes, how long the
            hand stays at the far point, as fractions of the stretch.
        direction: direction of a reach or shift, radians on screen.
        distance: length of a reach (0.1 .. 0.26 frames) or shift (a third of it).
        bow: sideways bow of a reach, frame sizes (the way back follows the way out).
        dz: depth change of a reach or shift, mm (-80 .. 40).
        grab: openness lost at the far point of a reach (0 .. 0.25).
        scratch_amp: scratching amplitude, frame sizes (0.012 .. 0.04).
        scratch_period: frames per scratching stroke (5 .. 10).
        scratch_place: (dx, dy) where the hand scratches relative to rest, frame sizes.
        glasses_y: height the hand rises to for glasses, frame sizes (0.04 .. 0.18).
        curl: extra curl while scratching, adjusting glasses or curling (0.25 .. 0.6).
        curl_depth: openness lost while the hand curls and uncurls (0.15 .. 0.45).
        border: image border for pass / enter / leave (0 left, 1 right, 2 top, 3 bottom).
        outside: how far outside the border a passing palm centre runs, palm widths.
        pass_frames: how long a pass across the view takes (14 .. 24 frames).
        pass_forward: direction of a pass along its border.
        inset: how far inside the border an entering / leaving hand rests, frame sizes.
    """

    kind: int
    start: float
    leg: float
    pause: float
    direction: float
    distance: float
    bow: float
    dz: float
    grab: float
    scratch_amp: float
    scratch_period: float
    scratch_place: tuple[float, float]
    glasses_y: float
    curl: float
    curl_depth: float
    border: int
    outside: float
    pass_frames: int
    pass_forward: bool
    inset: float


def sample_negative(rng: np.random.Generator) -> NegativeDraw:
    """Draws one `no_gesture` stretch (a fixed number of draws whatever the kind)."""
    return NegativeDraw(
        kind=int(rng.choice(len(KIND_WEIGHTS), p=np.asarray(KIND_WEIGHTS) / sum(KIND_WEIGHTS))),
        start=uniform(rng, (0.0, 1.0)),
        leg=uniform(rng, (0.25, 0.4)),
        pause=uniform(rng, (0.05, 0.25)),
        direction=uniform(rng, (0.0, 2 * math.pi)),
        distance=uniform(rng, (0.1, MAX_REACH)),
        bow=uniform(rng, (-0.05, 0.05)),
        dz=uniform(rng, (-80.0, 40.0)),
        grab=uniform(rng, (0.0, 0.25)),
        scratch_amp=uniform(rng, (0.012, 0.04)),
        scratch_period=uniform(rng, (5.0, 10.0)),
        scratch_place=(uniform(rng, (-0.1, 0.1)), uniform(rng, (-0.25, 0.05))),
        glasses_y=uniform(rng, (0.04, 0.18)),
        curl=uniform(rng, (0.25, 0.6)),
        curl_depth=uniform(rng, (0.15, 0.45)),
        border=int(rng.integers(0, 4)),
        outside=uniform(rng, (0.05, 0.5)),
        pass_frames=int(rng.integers(14, 25)),
        pass_forward=bool(rng.random() < 0.5),
        inset=uniform(rng, (0.1, 0.22)),
    )


def _timing(draw: NegativeDraw, frames: int, leg_frames: int) -> tuple[int, int, int]:
    """(first frame, leg, pause) of an out-and-back move inside `frames` frames."""
    leg = max(2, min(leg_frames, (frames - 2) // 2))
    pause = max(0, min(int(draw.pause * frames), frames - 2 * leg))
    t0 = int(draw.start * (frames - 2 * leg - pause))
    return t0, leg, pause


def _excursion(
    rest: Pose, target: Pose, bow: tuple[float, float], frames: int, t0: int, leg: int, pause: int
) -> Fields:
    """Rest, move to `target` along a bowed path, stay, come back along the same path."""
    p = progress(leg + 1, 1.0, 0.0)[1:]
    out = {f: rest[f] + (target[f] - rest[f]) * p for f in POSE_FIELDS}
    out["x"] = out["x"] + bow[0] * bump(p)
    out["y"] = out["y"] + bow[1] * bump(p)
    out["present"] = np.ones(leg, dtype=bool)
    back = {k: v[::-1][1:] for k, v in out.items()}
    back = concat([back, hold(rest, 1)]) if leg > 0 else back
    return concat([hold(rest, t0), out, hold(target, pause), back, hold(rest, frames - t0 - 2 * leg - pause)])


def _direction(draw: NegativeDraw) -> tuple[float, float]:
    """(dx, dy): the unit vector of the stretch's direction on screen."""
    return math.cos(draw.direction), math.sin(draw.direction)


def _shift_fields(draw: NegativeDraw, rest: Pose, frames: int, size: int) -> Fields:
    """The hand glides a short way (half a reach, slowly) and stays there."""
    dx, dy = _direction(draw)
    dist = min(draw.distance / 2, MAX_SPEED * frames * 0.6) * size
    target = {
        **rest,
        "x": rest["x"] + dist * dx,
        "y": rest["y"] + dist * dy,
        "z": rest["z"] + draw.dz / 2,
        "angle": min(max(rest["angle"] + 0.3 * dx, -0.5), 0.5),
        "openness": rest["openness"] - draw.grab / 2,
    }
    t0 = int(draw.start * frames * 0.3)
    leg = max(1, int(frames * 0.6))
    return concat([hold(rest, t0), glide(rest, target, leg), hold(target, frames - t0 - leg)])


def _reach_fields(draw: NegativeDraw, rest: Pose, frames: int, size: int) -> Fields:
    """The hand reaches out slowly along a bowed path, grabs a little and comes back."""
    dx, dy = _direction(draw)
    t0, leg, pause = _timing(draw, frames, int(draw.leg * frames))
    dist = min(draw.distance, MAX_SPEED * leg) * size
    target = {
        **rest,
        "x": rest["x"] + dist * dx,
        "y": rest["y"] + dist * dy,
        "z": rest["z"] + draw.dz,
        "openness": rest["openness"] - draw.grab,
    }
    bow = (-dy * draw.bow * size, dx * draw.bow * size)
    return _excursion(rest, target, bow, frames, t0, leg, pause)


def _glasses_fields(draw: NegativeDraw, rest: Pose, frames: int, size: int) -> Fields:
    """The hand rises towards the middle of the face, half closed, and comes back."""
    t0, leg, pause = _timing(draw, frames, int(draw.leg * frames))
    rise = max(rest["y"] - draw.glasses_y * size, 0.0)
    rise = min(rise, MAX_SPEED * 1.25 * leg * size)
    target = {
        **rest,
        "x": rest["x"] + (0.5 * size - rest["x"]) * 0.3,
        "y": rest["y"] - rise,
        "openness": max(rest["openness"] - 0.2, 0.3),
        "curl": max(rest["curl"], draw.curl),
        "angle": min(max(rest["angle"] - 0.25, -0.5), 0.5),
    }
    return _excursion(rest, target, (draw.bow * size, 0.0), frames, t0, leg, pause)


def _curl_fields(draw: NegativeDraw, rest: Pose, frames: int) -> Fields:
    """The hand curls part way closed where it rests and uncurls."""
    t0, leg, pause = _timing(draw, frames, int(draw.leg * frames * 0.7))
    target = {
        **rest,
        "openness": max(rest["openness"] - draw.curl_depth, 0.0),
        "curl": max(rest["curl"], draw.curl),
    }
    return _excursion(rest, target, (0.0, 0.0), frames, t0, leg, pause)


def _scratch_fields(draw: NegativeDraw, rest: Pose, frames: int, size: int, hand_px: float) -> Fields:
    """The hand moves to a scratching place, scratches back and forth, and comes back."""
    dx, dy = _direction(draw)
    place = {
        **rest,
        "x": rest["x"] + draw.scratch_place[0] * size,
        "y": max(rest["y"] + draw.scratch_place[1] * size, hand_px),
        "openness": max(rest["openness"] - 0.25, 0.2),
        "curl": max(rest["curl"], draw.curl),
    }
    t0, leg, pause = _timing(draw, frames, max(3, int(draw.leg * frames * 0.5)))
    pause = max(pause, min(frames - t0 - 2 * leg, int(2 * draw.scratch_period)))
    fields = _excursion(rest, place, (0.0, 0.0), frames, t0, leg, pause)
    k = np.arange(pause, dtype=np.float64)
    wave = draw.scratch_amp * size * sin(2 * math.pi * k / draw.scratch_period)
    fields["x"][t0 + leg : t0 + leg + pause] += dx * wave
    fields["y"][t0 + leg : t0 + leg + pause] += dy * wave
    return fields


def _pass_fields(draw: NegativeDraw, rest: Pose, frames: int, size: int, hand_px: float) -> Fields:
    """A hand passes along an image border, its palm centre outside the frame throughout."""
    fields = hold(rest, frames, present=False)
    n = min(draw.pass_frames, frames)
    t0 = int(draw.start * (frames - n))
    lo, hi = -1.5 * hand_px, size + 1.5 * hand_px
    along = lo + (hi - lo) * progress(n, 0.3, 0.0)
    if not draw.pass_forward:
        along = along[::-1]
    off = draw.outside * hand_px
    edge = -off if draw.border in (0, 2) else size + off
    xs, ys = (np.full(n, edge), along) if draw.border < 2 else (along, np.full(n, edge))
    fields["x"][t0 : t0 + n] = xs
    fields["y"][t0 : t0 + n] = ys
    fields["present"][t0 : t0 + n] = True
    return fields


def _border_move(draw: NegativeDraw, frames: int, size: int) -> tuple[str, float, int, int, float]:
    """(axis, outward sign, first frame, leg, travel px) of a slow move across a border.

    The border is the left, right or bottom one (`draw.border` 0, 1, else).
    """
    axis, outward = ("x", -1.0) if draw.border == 0 else ("x", 1.0) if draw.border == 1 else ("y", 1.0)
    leg = max(2, min(frames, int(draw.leg * frames * 1.5)))
    t0 = int(draw.start * (frames - leg))
    travel = min(MAX_REACH * size, MAX_SPEED * leg * size)
    return axis, outward, t0, leg, travel


def _enter_fields(draw: NegativeDraw, rest: Pose, frames: int, size: int) -> Fields:
    """The hand comes in slowly from past a border to rest near it."""
    axis, outward, t0, leg, travel = _border_move(draw, frames, size)
    near = {**rest, axis: draw.inset * size if outward < 0 else size - draw.inset * size}
    away = {**near, axis: near[axis] + outward * travel}
    return concat(
        [
            hold(away, t0, present=False),
            hold(away, 1),
            glide(away, near, leg - 1),
            hold(near, frames - t0 - leg),
        ]
    )


def _leave_fields(draw: NegativeDraw, rest: Pose, frames: int, size: int) -> Fields:
    """The hand goes slowly towards the nearest border and out of view."""
    axis, outward, t0, leg, travel = _border_move(draw, frames, size)
    away = {**rest, axis: rest[axis] + outward * travel}
    return concat([hold(rest, t0 + 1), glide(rest, away, leg - 1), hold(away, frames - t0 - leg, present=False)])


def _effective_kind(draw: NegativeDraw, frames: int, returning: bool) -> int:
    """The kind actually performed: REST for a kind not allowed or too short to stay slow."""
    kind = draw.kind if not returning or draw.kind in RETURNING else REST
    if frames < MIN_MOVE_FRAMES and kind != ABSENT:
        kind = REST  # too short to move slowly
    return kind


def negative_fields(
    draw: NegativeDraw, rest: Pose, frames: int, size: int, hand_px: float, returning: bool = False
) -> Fields:
    """A `no_gesture` stretch (before drift and tremor) starting from the pose `rest`.

    Args:
        draw: the stretch's values.
        rest: the pose of a resting hand (where it is, its shape and depth).
        frames: length of the stretch.
        size: side of the square frame, px.
        hand_px: palm width, px.
        returning: use only kinds that end where they start (others become REST).
    """
    kind = _effective_kind(draw, frames, returning)
    if kind == ABSENT:
        return hold(rest, frames, present=False)
    if kind == SHIFT:
        return _shift_fields(draw, rest, frames, size)
    if kind == REACH:
        return _reach_fields(draw, rest, frames, size)
    if kind == GLASSES:
        return _glasses_fields(draw, rest, frames, size)
    if kind == CURL:
        return _curl_fields(draw, rest, frames)
    if kind == SCRATCH:
        return _scratch_fields(draw, rest, frames, size, hand_px)
    if kind == PASS:
        return _pass_fields(draw, rest, frames, size, hand_px)
    if kind == ENTER:
        return _enter_fields(draw, rest, frames, size)
    if kind == LEAVE:
        return _leave_fields(draw, rest, frames, size)
    return hold(rest, frames)
