"""How one person performs gestures: the habits shared by all the gestures they make."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.synth.randomness import uniform

SPEED_RANGE = (1 / math.sqrt(3.0), math.sqrt(3.0))
"""Speed factors between people (a factor of 3, drawn log-uniformly)."""


@dataclass(frozen=True)
class Performer:
    """The gesturing habits of one person.

    Attributes:
        speed: gesture speed factor, 1 = nominal (BASE_GESTURE_FRAMES per gesture), in
            SPEED_RANGE (0.58 .. 1.73).
        speed_spread: relative variation of one gesture's speed around `speed` (0.05 .. 0.15).
        amplitude: size factor of swipes and circles (0.8 .. 1.2).
        curvature: how much paths bow, 0 straight .. 1 strongly curved.
        pause: longest still pause before and after a gesture, frames (0 .. 8).
        openness: openness of the hand while it moves (0.65 .. 1; 1 = flat open palm).
        curl: extra relaxed curl of the fingers while moving (0 .. 0.4).
        spread: how far the fingers fan out (0.15 .. 0.9).
        precision: tremor of the hand as a fraction of the palm width (0.01 .. 0.05, px per px).
        ease: how smoothly a stroke accelerates and decelerates (0.4 linear-ish .. 1 smooth).
        skew: where a stroke is fastest, -0.5 early .. 0.5 late.
        handedness: -1 left hand, +1 right hand (the resting hand sits on that side).
        settle: probability that the hand glides into its start point before a gesture
            rather than waiting there (0 .. 1).
        lower: probability that the hand sinks and relaxes after a gesture rather than
            holding its end pose (0 .. 1).
    """

    speed: float
    speed_spread: float
    amplitude: float
    curvature: float
    pause: int
    openness: float
    curl: float
    spread: float
    precision: float
    ease: float
    skew: float
    handedness: int
    settle: float
    lower: float


def sample_performer(rng: np.random.Generator) -> Performer:
    """Draws a person's gesturing habits (a fixed number of draws)."""
    log_lo, log_hi = math.log(SPEED_RANGE[0]), math.log(SPEED_RANGE[1])
    speed = math.exp(uniform(rng, (log_lo, log_hi)))
    shape = int(rng.integers(0, 3))  # 0 open, 1 relaxed, 2 partly curled
    openness = (uniform(rng, (0.9, 1.0)), uniform(rng, (0.78, 0.92)), uniform(rng, (0.65, 0.8)))[shape]
    curl = (uniform(rng, (0.0, 0.08)), uniform(rng, (0.08, 0.25)), uniform(rng, (0.2, 0.4)))[shape]
    return Performer(
        speed=speed,
        speed_spread=uniform(rng, (0.05, 0.15)),
        amplitude=uniform(rng, (0.8, 1.2)),
        curvature=uniform(rng, (0.0, 1.0)),
        pause=int(rng.integers(0, 9)),
        openness=openness,
        curl=curl,
        spread=uniform(rng, (0.15, 0.9)),
        precision=uniform(rng, (0.01, 0.05)),
        ease=uniform(rng, (0.4, 1.0)),
        skew=uniform(rng, (-0.5, 0.5)),
        handedness=1 if rng.random() < 0.8 else -1,
        settle=uniform(rng, (0.0, 1.0)),
        lower=uniform(rng, (0.0, 1.0)),
    )
