"""Arranges gesture motions in time: one isolated clip, or a long stream of gestures
separated by `no_gesture` stretches."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from training.synth import classes as C
from training.synth.constants import CLIP_FRAMES, GESTURE_FRACTION, STREAM_GAP_FRAMES
from training.synth.motion import (
    FIELDS,
    HandState,
    HandTrack,
    add_jitter,
    ease,
    gesture_motion,
    sample_jitter,
    sample_plan,
    sample_speed_frames,
)
from training.synth.randomness import uniform

MIN_FRAMES = 8


def clip_total(base: float, fraction: float, frames: int | None) -> int:
    """A clip's length T: `frames` when given, else a gesture of `base` frames taking
    `fraction` of the clip, clamped to CLIP_FRAMES.

    Raises:
        ValueError: when `frames` is below MIN_FRAMES.
    """
    if frames is None:
        return int(min(max(round(base / fraction), CLIP_FRAMES[0]), CLIP_FRAMES[1]))
    if frames < MIN_FRAMES:
        raise ValueError(f"frames must be at least {MIN_FRAMES}, got {frames}")
    return int(frames)


def sample_clip_timing(rng: np.random.Generator, frames: int | None) -> tuple[int, int, int]:
    """Clip length T, gesture length D and the gesture's first frame.

    The gesture takes 60-90 % of the clip, with at least one rest frame on each side when
    the clip leaves room for it. Draws the same values whether or not `frames` is given.

    Args:
        rng: random source.
        frames: a fixed clip length, or None for a length in CLIP_FRAMES.

    Raises:
        ValueError: when `frames` is below MIN_FRAMES.
    """
    base = sample_speed_frames(rng)
    fraction = uniform(rng, GESTURE_FRACTION)
    where = uniform(rng, (0.0, 1.0))
    total = clip_total(base, fraction, frames)
    lo = math.ceil(GESTURE_FRACTION[0] * total)
    hi = math.floor(GESTURE_FRACTION[1] * total)
    duration = int(min(max(base, lo), hi))
    spare = total - duration
    first_lo, first_hi = (1, spare - 1) if spare >= 2 else (0, spare)
    start = first_lo + min(int(where * (first_hi - first_lo + 1)), first_hi - first_lo)
    return total, duration, start


def clip_track(
    label: int, rng: np.random.Generator, size: int, frames: int | None
) -> tuple[HandTrack, tuple[int, int]]:
    """The hand track of an isolated clip.

    Args:
        label: class id.
        rng: random source (its draws do not depend on the label).
        size: frame size, px.
        frames: fixed clip length or None.

    Returns:
        The track (T frames, jitter included) and the gesture's (first, last) frame; for
        `no_gesture` the whole clip, (0, T - 1).
    """
    label = C.check_label(label)
    total, duration, start = sample_clip_timing(rng, frames)
    plan = sample_plan(rng, size, duration)
    jitter = sample_jitter(rng, size)
    if label == C.NO_GESTURE:
        rest, motion = gesture_motion(label, replace(plan, duration=total - 1), size)
        track = HandTrack.concat([HandTrack.hold(rest, 1), motion])
        switch = int(round(plan.idle_switch * total))
        if plan.idle_mode == 1:
            track.present[:] = False
        elif plan.idle_mode == 2:
            track.present[:switch] = False
        elif plan.idle_mode == 3:
            track.present[switch:] = False
        span = (0, total - 1)
    else:
        before, motion = gesture_motion(label, plan, size)
        after = motion.state(duration - 1)
        track = HandTrack.concat(
            [
                HandTrack.hold(before, start),
                motion,
                HandTrack.hold(after, total - start - duration),
            ]
        )
        span = (start, start + duration - 1)
    return add_jitter(track, jitter, rng), span


def _close(a: HandState, b: HandState, size: int) -> bool:
    """Whether the hand can glide from a to b in a gap without it looking like a gesture."""
    return (
        math.hypot(a.x - b.x, a.y - b.y) < 0.06 * size
        and abs(a.openness - b.openness) < 0.15
        and abs(a.flip - b.flip) < 0.5
        and abs(a.z - b.z) < 50.0
        and abs(a.angle - b.angle) < math.radians(8.0)
    )


def _glide(a: HandState, b: HandState, frames: int) -> HandTrack:
    p = ease(frames, 1.0)
    values = {f: getattr(a, f) + (getattr(b, f) - getattr(a, f)) * p for f in FIELDS}
    return HandTrack(present=np.ones(frames, dtype=bool), **values)


def gap_track(
    before: HandState | None,
    after: HandState | None,
    frames: int,
    rng: np.random.Generator,
    size: int,
) -> HandTrack:
    """A `no_gesture` stretch between two gestures of a stream.

    The hand rests where the last gesture left it, then either glides slowly to where the
    next one starts (when that is close) or leaves the view and comes back there.

    Args:
        before: the state after the previous gesture (None at the stream's start).
        after: the state before the next gesture (None at the stream's end).
        frames: length of the stretch (at least 12).
        rng: random source (draws two values).
        size: frame size, px.
    """
    top = max(3, min(12, (frames - 4) // 2))
    hold_a = 3 + min(int(rng.random() * (top - 2)), top - 3)
    hold_b = 3 + min(int(rng.random() * (top - 2)), top - 3)
    if before is None and after is None:
        return HandTrack.hold(HandState(0, 0, 0, 1, 0, 600), frames, present=False)
    if before is None:
        assert after is not None
        return HandTrack.concat([HandTrack.hold(after, frames - hold_b, False), HandTrack.hold(after, hold_b)])
    if after is None:
        return HandTrack.concat([HandTrack.hold(before, hold_a), HandTrack.hold(before, frames - hold_a, False)])
    middle = frames - hold_a - hold_b
    if _close(before, after, size):
        middle_track = _glide(before, after, middle)
    else:
        middle_track = HandTrack.hold(before, middle, present=False)
    return HandTrack.concat([HandTrack.hold(before, hold_a), middle_track, HandTrack.hold(after, hold_b)])


def stream_track(
    labels: Sequence[int],
    rng: np.random.Generator,
    size: int,
    gap: tuple[int, int] = STREAM_GAP_FRAMES,
) -> tuple[HandTrack, list[tuple[int, int, int]]]:
    """The hand track of a continuous recording.

    Args:
        labels: the gestures in order (ids 1..12).
        rng: random source.
        size: frame size, px.
        gap: inclusive range of the `no_gesture` stretch lengths (the stream also starts
            and ends with one).

    Returns:
        The track (jitter included) and the events (label, first frame, last frame).

    Raises:
        ValueError: for a `no_gesture` label or a gap shorter than 12 frames.
    """
    if gap[0] < 12 or gap[1] < gap[0]:
        raise ValueError(f"gap must be an increasing range starting at 12 or more, got {gap}")
    jitter = sample_jitter(rng, size)
    parts: list[HandTrack] = []
    events: list[tuple[int, int, int]] = []
    t = 0
    previous: HandState | None = None
    for label in labels:
        label = C.check_label(label)
        if label == C.NO_GESTURE:
            raise ValueError("a stream's gestures must not be no_gesture (0)")
        duration = sample_speed_frames(rng)
        plan = sample_plan(rng, size, duration)
        start, motion = gesture_motion(label, plan, size)
        stretch = int(rng.integers(gap[0], gap[1] + 1))
        parts.append(gap_track(previous, start, stretch, rng, size))
        events.append((label, t + stretch, t + stretch + duration - 1))
        parts.append(motion)
        t += stretch + duration
        previous = motion.state(duration - 1)
    stretch = int(rng.integers(gap[0], gap[1] + 1))
    parts.append(gap_track(previous, None, stretch, rng, size))
    return add_jitter(HandTrack.concat(parts), jitter, rng), events
