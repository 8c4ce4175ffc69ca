"""Arranges strokes and `no_gesture` stretches in time: one isolated clip, or a continuous
recording of several gestures."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.synth import classes as C
from training.synth.constants import GESTURE_FRACTION
from training.synth.performance.gestures import GestureDraw, gesture_fields, sample_frames, sample_gesture
from training.synth.performance.negatives import MAX_REACH, MAX_SPEED, NegativeDraw, negative_fields, sample_negative
from training.synth.performance.performer import Performer
from training.synth.performance.tracks import Fields, Pose, concat, first, glide, hold, last, length, to_track
from training.synth.pose import PoseTrack
from training.synth.randomness import child_rngs, smooth_noise, uniform
from training.synth.schedule import clip_total

MIN_GAP = 12
VISIBLE_MARGIN = 1.0
"""A hand whose palm centre is farther than this many palm widths outside the frame is absent."""


@dataclass(frozen=True)
class Habits:
    """How one gesture is led into and out of, drawn alike for every class.

    Attributes:
        settle: the hand glides into its start pose (else it waits there).
        settle_from: (dx, dy) of the settling glide's start from the start pose, px.
        lower: after the stroke the hand sinks and relaxes (else it holds its end pose).
        lower_by: (dy px, openness change) of that sinking.
        idle_openness: openness of a resting `no_gesture` hand (0.3 .. 0.95).
        pause_before, pause_after: still frames before and after the stroke (0 .. performer.pause).
    """

    settle: bool
    settle_from: tuple[float, float]
    lower: bool
    lower_by: tuple[float, float]
    idle_openness: float
    pause_before: int
    pause_after: int


def sample_habits(rng: np.random.Generator, performer: Performer, size: int) -> Habits:
    """Draws the lead-in and lead-out of one gesture (a fixed number of draws)."""
    return Habits(
        settle=bool(rng.random() < performer.settle),
        settle_from=(uniform(rng, (-0.05, 0.05)) * size, uniform(rng, (0.01, 0.07)) * size),
        lower=bool(rng.random() < performer.lower),
        lower_by=(uniform(rng, (0.02, 0.08)) * size, uniform(rng, (-0.15, 0.0))),
        idle_openness=uniform(rng, (0.3, 0.95)),
        pause_before=int(rng.integers(0, performer.pause + 1)),
        pause_after=int(rng.integers(0, performer.pause + 1)),
    )


def _lead_in(start: Pose, frames: int, habits: Habits) -> Fields:
    pause = min(habits.pause_before, frames)
    move = frames - pause
    if not habits.settle or move < 3:
        return hold(start, frames)
    origin = {**start, "x": start["x"] + habits.settle_from[0], "y": start["y"] + habits.settle_from[1]}
    return concat([hold(origin, 1), glide(origin, start, move - 1), hold(start, pause)])


def _lead_out(end: Pose, frames: int, habits: Habits) -> Fields:
    pause = min(habits.pause_after, frames)
    move = frames - pause
    if not habits.lower or move < 3:
        return hold(end, frames)
    openness = min(max(end["openness"] + habits.lower_by[1], 0.0), 1.0) if end["openness"] > 0.5 else end["openness"]
    target = {**end, "y": end["y"] + habits.lower_by[0], "openness": openness}
    return concat([hold(end, pause), glide(end, target, move)])


def _idle_pose(draw: GestureDraw, habits: Habits) -> Pose:
    return {
        "x": draw.rest[0],
        "y": draw.rest[1],
        "angle": draw.angle,
        "z": draw.z_mid,
        "openness": habits.idle_openness,
        "curl": draw.curl,
        "spread": draw.spread,
        "flip": draw.side,
        "tilt": draw.tilt,
    }


def _finish(
    fields: Fields,
    noise: np.ndarray,
    performer: Performer,
    size: int,
    hand_px: float,
    hand_depth_mm: tuple[float, float],
    drift: tuple[float, float, float],
) -> PoseTrack:
    """Adds drift and tremor, keeps values in range and hides a hand far outside the frame.

    Args:
        noise: smooth unit noise [6, T].
        drift: (dx, dy px, dz mm) over the whole track.
    """
    n = length(fields)
    ramp = np.arange(n, dtype=np.float64) / max(n - 1, 1)
    shake = performer.precision * hand_px
    out = dict(fields)
    out["x"] = fields["x"] + drift[0] * ramp + shake * noise[0]
    out["y"] = fields["y"] + drift[1] * ramp + shake * noise[1]
    out["z"] = np.clip(fields["z"] + drift[2] * ramp + 1.5 * noise[2], hand_depth_mm[0], hand_depth_mm[1])
    out["angle"] = np.clip(fields["angle"] + 0.02 * noise[3], -0.6, 0.6)
    out["openness"] = np.clip(fields["openness"] + 0.01 * noise[4], 0.0, 1.0)
    out["tilt"] = np.clip(fields["tilt"] + 0.01 * noise[5], -0.5, 0.5)
    for f in ("curl", "spread", "flip"):
        out[f] = np.clip(fields[f], 0.0, 1.0)
    margin = VISIBLE_MARGIN * hand_px
    inside = (out["x"] > -margin) & (out["x"] < size + margin) & (out["y"] > -margin) & (out["y"] < size + margin)
    out["present"] = fields["present"] & inside
    return to_track(out)


def _clip_timing(rng: np.random.Generator, performer: Performer, frames: int | None) -> tuple[int, int, int]:
    """Clip length T, stroke length D and the stroke's first frame (3 draws)."""
    base = sample_frames(rng, performer)
    fraction = uniform(rng, GESTURE_FRACTION)
    where = uniform(rng, (0.0, 1.0))
    total = clip_total(base, fraction, frames)
    duration = int(min(max(base, math.ceil(GESTURE_FRACTION[0] * total)), math.floor(GESTURE_FRACTION[1] * total)))
    spare = total - duration
    lo, hi = (1, spare - 1) if spare >= 2 else (0, spare)
    start = lo + min(int(where * (hi - lo + 1)), hi - lo)
    return total, duration, start


def clip_poses(
    label: int,
    rng: np.random.Generator,
    performer: Performer,
    size: int,
    hand_px: float,
    hand_depth_mm: tuple[float, float],
    frames: int | None = None,
) -> tuple[PoseTrack, tuple[int, int]]:
    """The hand of one isolated clip.

    Every value is drawn from `rng` whatever the label, so all classes from one seed share
    timing, start point, hand shape, drift and tremor.

    Args:
        label: class id 0..12.
        rng: random source.
        performer: the person's habits.
        size: side of the square frame, px.
        hand_px: palm width at the nominal depth, px.
        hand_depth_mm: (near, far) range the palm's depth stays in, mm (at least 210 mm wide).
        frames: a fixed clip length (>= 8), or None for 40..90 frames.

    Returns:
        The track (T frames) and the stroke's (first, last) frame, inclusive; (0, T - 1)
        for `no_gesture`.

    Raises:
        ValueError: for a bad label, too few frames or too narrow a depth range.
    """
    label = C.check_label(label)
    total, duration, start = _clip_timing(rng, performer, frames)
    draw = sample_gesture(rng, performer, size, hand_px, hand_depth_mm, duration)
    negative = sample_negative(rng)
    habits = sample_habits(rng, performer, size)
    noise = np.stack([smooth_noise(rng, total, window=9) for _ in range(6)])
    if label == C.NO_GESTURE:
        fields = negative_fields(negative, _idle_pose(draw, habits), total, size, hand_px)
        span = (0, total - 1)
    else:
        stroke = gesture_fields(label, draw, size, hand_px)
        fields = concat(
            [
                _lead_in(first(stroke), start, habits),
                stroke,
                _lead_out(last(stroke), total - start - duration, habits),
            ]
        )
        span = (start, start + duration - 1)
    return _finish(fields, noise, performer, size, hand_px, hand_depth_mm, draw.drift), span


def _close(a: Pose, b: Pose, size: int, frames: int) -> bool:
    """Whether the hand can glide from a to b in `frames` frames without it looking like a gesture."""
    dist = math.hypot(a["x"] - b["x"], a["y"] - b["y"])
    return (
        dist <= 0.8 * MAX_REACH * size
        and dist <= MAX_SPEED * size * frames
        and abs(a["openness"] - b["openness"]) <= 0.3
        and abs(a["flip"] - b["flip"]) <= 0.1
        and abs(a["z"] - b["z"]) <= 60.0
    )


def gap_fields(
    before: Pose | None,
    after: Pose | None,
    frames: int,
    negative: NegativeDraw,
    habits: Habits,
    size: int,
    hand_px: float,
) -> Fields:
    """A `no_gesture` stretch of a stream, between the pose a gesture ended in and the pose
    the next starts from (None at the stream's ends).

    The hand rests, does a hard negative that returns where it started, then glides slowly
    to the next start when that is near, or else leaves the view and comes back there.

    Args:
        before, after: the poses around the stretch.
        frames: length of the stretch (>= MIN_GAP).
        negative: the hard negative's values.
        habits: pauses around the neighbouring gestures.
        size: side of the square frame, px.
        hand_px: palm width, px.
    """
    hold_a = 2 + habits.pause_after
    hold_b = 3 + habits.pause_before
    if before is None and after is None:
        return hold(
            {"x": 0, "y": 0, "angle": 0, "z": 600, "openness": 1, "curl": 0, "spread": 0.5, "flip": 0, "tilt": 0},
            frames,
            False,
        )
    if before is None:
        assert after is not None
        if negative.start < 0.4:  # the hand comes into view
            return concat([hold(after, frames - hold_b, False), hold(after, hold_b)])
        return concat(
            [negative_fields(negative, after, frames - hold_b, size, hand_px, returning=True), hold(after, hold_b)]
        )
    if after is None:
        return concat([hold(before, hold_a), negative_fields(negative, before, frames - hold_a, size, hand_px)])
    middle = frames - hold_a - hold_b
    if middle < 3:  # a rest shorter than the performer's pauses: they shrink, the hand glides on
        hold_a = (frames - 3) // 2
        return concat([hold(before, hold_a), glide(before, after, 3), hold(after, frames - 3 - hold_a)])
    move = max(middle // 3, 1)
    if _close(before, after, size, move):
        return concat(
            [
                hold(before, hold_a),
                negative_fields(negative, before, middle - move, size, hand_px, returning=True),
                glide(before, after, move),
                hold(after, hold_b),
            ]
        )
    away = middle - move
    return concat(
        [
            hold(before, hold_a),
            negative_fields(negative, before, move, size, hand_px, returning=True),
            hold(before, away, present=False),
            hold(after, hold_b),
        ]
    )


def stream_poses(
    labels: list[int],
    rng: np.random.Generator,
    performer: Performer,
    size: int,
    hand_px: float,
    hand_depth_mm: tuple[float, float],
    gap: tuple[int, int] = (20, 60),
) -> tuple[PoseTrack, list[tuple[int, int, int]]]:
    """The hand of a continuous recording: gestures separated by `no_gesture` stretches
    (rest, drift, hard negatives, leaving and coming back); it also starts and ends with one.

    Args:
        labels: the gestures in order (ids 1..12).
        rng: random source (its draws do not depend on the labels).
        performer: the person's habits.
        size: side of the square frame, px.
        hand_px: palm width at the nominal depth, px.
        hand_depth_mm: (near, far) range of the palm's depth, mm.
        gap: inclusive range of the `no_gesture` stretch lengths, frames (>= 12).

    Returns:
        The track and the events (label, first frame, last frame), inclusive.

    Raises:
        ValueError: for a `no_gesture` or invalid label, or a bad gap range.
    """
    if gap[0] < MIN_GAP or gap[1] < gap[0]:
        raise ValueError(f"gap must be an increasing range starting at {MIN_GAP} or more, got {gap}")
    noise_rng = child_rngs(rng, 1)[0]
    parts: list[Fields] = []
    events: list[tuple[int, int, int]] = []
    t = 0
    previous: Pose | None = None
    for label in labels:
        label = C.check_label(label)
        if label == C.NO_GESTURE:
            raise ValueError("a stream's gestures must not be no_gesture (0)")
        duration = sample_frames(rng, performer)
        draw = sample_gesture(rng, performer, size, hand_px, hand_depth_mm, duration)
        negative = sample_negative(rng)
        habits = sample_habits(rng, performer, size)
        stretch = int(rng.integers(gap[0], gap[1] + 1))
        stroke = gesture_fields(label, draw, size, hand_px)
        parts.append(gap_fields(previous, first(stroke), stretch, negative, habits, size, hand_px))
        parts.append(stroke)
        events.append((label, t + stretch, t + stretch + duration - 1))
        t += stretch + duration
        previous = last(stroke)
    negative = sample_negative(rng)
    habits = sample_habits(rng, performer, size)
    stretch = int(rng.integers(gap[0], gap[1] + 1))
    parts.append(gap_fields(previous, None, stretch, negative, habits, size, hand_px))
    fields = concat(parts)
    noise = np.stack([smooth_noise(noise_rng, length(fields), window=9) for _ in range(6)])
    return _finish(fields, noise, performer, size, hand_px, hand_depth_mm, (0.0, 0.0, 0.0)), events
