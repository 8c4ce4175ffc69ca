"""The stroke of each gesture class, drawn the same way for every class.

`sample_gesture` draws every value any class could use, so that all classes made from one
seed share timing, start point and hand shape: push and pull then differ only in `z`, the
two flips only in `flip`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.synth import classes as C
from training.synth.performance.performer import Performer
from training.synth.performance.tracks import Fields, bump, progress
from training.synth.pose import POSE_FIELDS
from training.synth.randomness import cos, sin, smooth_noise, uniform

BASE_GESTURE_FRAMES = 45
"""Stroke length in frames at speed 1 (26 .. 78 frames over the performers' speeds)."""
Z_MARGIN_MM = 25.0
"""Keeps depth jitter and drift inside hand_depth_mm."""
PUSH_PULL_MM = (165.0, 335.0)
"""Depth travel of push / pull (inside the specification's 150 .. 350 mm with jitter)."""
MAX_ANGLE = 0.5
MAX_TILT = 0.45


@dataclass(frozen=True)
class GestureDraw:
    """Everything random about one gesture, drawn alike for every class.

    Positions are px in the frame, depths mm.

    Attributes:
        frames: stroke length D (performer speed times a small per-gesture variation).
        ease, skew: the stroke's speed profile (see `tracks.progress`).
        rest: (x, y) where the hand is held for gestures that do not travel, and the
            centre of circles; inside the frame by about a palm width.
        z_mid: mid depth; push / pull travel `depth_delta` centred on it.
        depth_delta: push / pull travel, 165 .. 335 mm (less only for a narrow depth range).
        swipe_extent: distance a swipe travels, px (0.45 .. 1.05 of the frame).
        swipe_centre: where along its axis a swipe is centred, px (0.36 .. 0.64 of the frame).
        swipe_bow: sideways bow at the middle of a swipe, px (performer curvature).
        swipe_slant: sideways drift from start to end of a swipe, px (+-12 % of the extent).
        circle_radius: semi-major axis, px (1.1 .. 2 palm widths, 0.14 .. 0.3 of the frame).
        circle_aspect: semi-minor / semi-major axis (0.6 .. 1).
        circle_rotation: orientation of the ellipse, radians.
        circle_start: phase where the circle starts, radians (anywhere).
        circle_turns: 0.8 .. 1.5 turns.
        fist, open: openness of the closed and open hand in open_hand / close_hand.
        flip_openness: openness while flipping (open, 0.85 .. 1).
        side: flip of the hand for classes other than the flips (mostly palm side, 0).
        openness, curl, spread: hand shape while moving (the performer's, varied a little).
        angle, tilt: base in-plane angle and out-of-plane tilt, radians.
        drift: (dx, dy) px, dz mm: a slow drift of the whole clip, the same for every class.
        noise: smooth unit noise [6, D] for the wobble of angle, tilt, circle radius and the
            two sideways components of a stroke.
    """

    frames: int
    ease: float
    skew: float
    rest: tuple[float, float]
    z_mid: float
    depth_delta: float
    swipe_extent: float
    swipe_centre: float
    swipe_bow: float
    swipe_slant: float
    circle_radius: float
    circle_aspect: float
    circle_rotation: float
    circle_start: float
    circle_turns: float
    fist: float
    open: float
    flip_openness: float
    side: float
    openness: float
    curl: float
    spread: float
    angle: float
    tilt: float
    drift: tuple[float, float, float]
    noise: np.ndarray


def sample_frames(rng: np.random.Generator, performer: Performer) -> int:
    """A stroke length for this performer (one draw)."""
    factor = 1 + performer.speed_spread * uniform(rng, (-1.0, 1.0))
    return max(12, int(round(BASE_GESTURE_FRAMES / (performer.speed * factor))))


def depth_bounds(hand_depth_mm: tuple[float, float]) -> tuple[float, float]:
    """The depths a palm centre may take, inside `hand_depth_mm` by a margin.

    Raises:
        ValueError: when the range is too narrow for a push or pull of 150 mm.
    """
    lo, hi = hand_depth_mm[0] + Z_MARGIN_MM, hand_depth_mm[1] - Z_MARGIN_MM
    if hi - lo < 160.0:
        raise ValueError(f"hand_depth_mm {hand_depth_mm} is too narrow for push / pull (needs 210 mm)")
    return lo, hi


def sample_gesture(
    rng: np.random.Generator,
    performer: Performer,
    size: int,
    hand_px: float,
    hand_depth_mm: tuple[float, float],
    frames: int,
) -> GestureDraw:
    """Draws one gesture's values (the same draws whatever the class).

    Args:
        rng: random source.
        performer: the person's habits.
        size: side of the square frame, px.
        hand_px: palm width at the nominal depth, px.
        hand_depth_mm: (near, far) range of the palm's depth, mm.
        frames: stroke length D (from `sample_frames` or fixed by the caller), >= 2.
    """
    z_lo, z_hi = depth_bounds(hand_depth_mm)
    reach = min(hand_px, 0.3 * size)  # keeps the palm centre a palm width inside
    side_shift = 0.06 * size * performer.handedness
    rest_x = min(max(uniform(rng, (0.32, 0.68)) * size + side_shift, reach), size - reach)
    rest_y = min(max(uniform(rng, (0.35, 0.68)) * size, reach), size - reach)
    top = min(PUSH_PULL_MM[1], z_hi - z_lo)
    delta = PUSH_PULL_MM[0] + uniform(rng, (0.0, 1.0)) * (top - PUSH_PULL_MM[0])
    z_mid = uniform(rng, (z_lo + delta / 2, z_hi - delta / 2))
    extent = min(max(uniform(rng, (0.5, 0.85)) * performer.amplitude, 0.45), 1.05) * size
    bow_sign = 1.0 if rng.random() < 0.5 else -1.0
    bow = bow_sign * performer.curvature * uniform(rng, (0.3, 1.0)) * 0.12 * extent
    radius = min(max(uniform(rng, (1.1, 2.0)) * hand_px * performer.amplitude, 0.14 * size), 0.3 * size)
    return GestureDraw(
        frames=int(frames),
        ease=min(1.0, performer.ease + uniform(rng, (-0.1, 0.1))),
        skew=performer.skew + uniform(rng, (-0.15, 0.15)),
        rest=(rest_x, rest_y),
        z_mid=z_mid,
        depth_delta=delta,
        swipe_extent=extent,
        swipe_centre=uniform(rng, (0.36, 0.64)) * size,
        swipe_bow=bow,
        swipe_slant=uniform(rng, (-0.12, 0.12)) * extent,
        circle_radius=radius,
        circle_aspect=uniform(rng, (0.6, 1.0)),
        circle_rotation=uniform(rng, (0.0, math.pi)),
        circle_start=uniform(rng, (0.0, 2 * math.pi)),
        circle_turns=uniform(rng, (0.8, 1.5)),
        fist=uniform(rng, (0.0, 0.08)),
        open=uniform(rng, (0.88, 1.0)),
        flip_openness=uniform(rng, (0.85, 1.0)),
        side=1.0 if rng.random() < 0.2 else 0.0,
        openness=min(1.0, performer.openness + uniform(rng, (-0.05, 0.05))),
        curl=min(max(performer.curl + uniform(rng, (-0.05, 0.05)), 0.0), 0.4),
        spread=min(max(performer.spread + uniform(rng, (-0.1, 0.1)), 0.0), 1.0),
        angle=uniform(rng, (-0.3, 0.3)) + 0.05 * performer.handedness,
        tilt=uniform(rng, (-0.25, 0.25)),
        drift=(
            uniform(rng, (-0.03, 0.03)) * size,
            uniform(rng, (-0.03, 0.03)) * size,
            uniform(rng, (-8.0, 8.0)),
        ),
        noise=np.stack([smooth_noise(rng, frames, window=9) for _ in range(6)]),
    )


def _still_fields(draw: GestureDraw) -> dict[str, np.ndarray]:
    """The hand held at the rest point in the gesture's shape, angle and tilt wobbling
    (not yet clipped): what every class changes only in part."""
    ones = np.ones(draw.frames, dtype=np.float64)
    return {
        "x": draw.rest[0] * ones,
        "y": draw.rest[1] * ones,
        "angle": draw.angle + 0.05 * draw.noise[0],
        "z": draw.z_mid * ones,
        "openness": draw.openness * ones,
        "curl": draw.curl * ones,
        "spread": draw.spread * ones,
        "flip": draw.side * ones,
        "tilt": draw.tilt + 0.06 * draw.noise[1],
    }


def _swipe_fields(
    label: int, draw: GestureDraw, p: np.ndarray, size: int, hand_px: float, angle: np.ndarray
) -> dict[str, np.ndarray]:
    """x, y and angle of a swipe: along its axis with a bow, slant and wobble across it."""
    sign = -1.0 if label in (C.SWIPE_LEFT, C.SWIPE_UP) else 1.0
    limit = 0.8 * hand_px  # the palm centre leaves the frame by at most this
    start = min(max(draw.swipe_centre - sign * draw.swipe_extent / 2, -limit), size + limit)
    end = min(max(draw.swipe_centre + sign * draw.swipe_extent / 2, -limit), size + limit)
    along = start + (end - start) * p
    wobble = 0.015 * size * draw.noise[2] * bump(p)
    if label in (C.SWIPE_LEFT, C.SWIPE_RIGHT):
        x = along
        y = draw.rest[1] + draw.swipe_bow * bump(p) + draw.swipe_slant * (p - 0.5) + wobble
    else:
        y = along
        x = draw.rest[0] + draw.swipe_bow * bump(p) + draw.swipe_slant * (p - 0.5) + wobble
    return {"x": x, "y": y, "angle": angle + 0.1 * sign * bump(p)}  # the hand leads a little


def _circle_fields(label: int, draw: GestureDraw, p: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """x and y of a circle: a rotated ellipse kept inside the frame, its radius wobbling."""
    sign = 1.0 if label == C.CIRCLE_CW else -1.0  # y points down: +theta is clockwise
    a = draw.circle_radius
    b = a * draw.circle_aspect
    cx = min(max(draw.rest[0], a + 0.03 * size), size - a - 0.03 * size)
    cy = min(max(draw.rest[1], a + 0.03 * size), size - a - 0.03 * size)
    theta = draw.circle_start + sign * 2 * math.pi * draw.circle_turns * p
    ct, st = cos(theta), sin(theta)
    cr, sr = math.cos(draw.circle_rotation), math.sin(draw.circle_rotation)
    scale = 1 + 0.05 * draw.noise[3]
    return {"x": cx + scale * (a * ct * cr - b * st * sr), "y": cy + scale * (a * ct * sr + b * st * cr)}


def _depth_fields(label: int, draw: GestureDraw, p: np.ndarray) -> dict[str, np.ndarray]:
    """z of a push (nearer) or pull (farther), centred on the mid depth."""
    travel = -draw.depth_delta if label == C.PUSH else draw.depth_delta
    return {"z": draw.z_mid - travel / 2 + travel * p}


def _hand_shape_fields(label: int, draw: GestureDraw, p: np.ndarray) -> dict[str, np.ndarray]:
    """openness and spread of open_hand (fist to open) or close_hand (open to fist)."""
    lo, hi = (draw.fist, draw.open) if label == C.OPEN_HAND else (draw.open, draw.fist)
    openness = lo + (hi - lo) * p
    return {"openness": openness, "spread": draw.spread * (0.3 + 0.7 * openness)}


def _flip_fields(label: int, draw: GestureDraw, p: np.ndarray) -> dict[str, np.ndarray]:
    """flip and openness of flip_to_back (palm to back) or flip_to_palm (back to palm)."""
    lo, hi = (0.0, 1.0) if label == C.FLIP_TO_BACK else (1.0, 0.0)
    return {"flip": lo + (hi - lo) * p, "openness": draw.flip_openness * np.ones(draw.frames, dtype=np.float64)}


def gesture_fields(label: int, draw: GestureDraw, size: int, hand_px: float) -> Fields:
    """The D frames of one gesture's stroke (before drift and tremor).

    The first frame is the pose the hand waits in before the stroke, the last the pose it
    ends in.

    Args:
        label: class id 1..12 (0 gives the hand held still at the rest point).
        draw: the gesture's values.
        size: side of the square frame, px.
        hand_px: palm width, px.
    """
    label = C.check_label(label)
    p = progress(draw.frames, draw.ease, draw.skew)
    fields = _still_fields(draw)
    if label in C.SWIPES:
        fields.update(_swipe_fields(label, draw, p, size, hand_px, fields["angle"]))
    elif label in C.CIRCLES:
        fields.update(_circle_fields(label, draw, p, size))
    elif label in C.DEPTH_ONLY:
        fields.update(_depth_fields(label, draw, p))
    elif label in (C.OPEN_HAND, C.CLOSE_HAND):
        fields.update(_hand_shape_fields(label, draw, p))
    elif label in C.RGB_ONLY:
        fields.update(_flip_fields(label, draw, p))
    fields["angle"] = np.clip(fields["angle"], -MAX_ANGLE, MAX_ANGLE)
    fields["tilt"] = np.clip(fields["tilt"], -MAX_TILT, MAX_TILT)
    out: Fields = {f: np.asarray(fields[f], dtype=np.float64) for f in POSE_FIELDS}
    out["present"] = np.ones(draw.frames, dtype=bool)
    return out
