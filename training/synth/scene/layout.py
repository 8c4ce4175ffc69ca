"""Everything fixed for one recording: background, distractors, lighting, hand and sensors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from training.synth.hand.shape import HandIdentity, sample_hand_identity
from training.synth.randomness import uniform
from training.synth.scene.background import Background, sample_background
from training.synth.scene.distractors import Distractor, sample_distractors
from training.synth.scene.lighting import Lighting, sample_lighting
from training.synth.scene.patterns import pixel_grid
from training.synth.sensors.depth_noise import DepthSensor, sample_depth_sensor


@dataclass(frozen=True)
class Scene:
    """One recording's fixed content.

    Attributes:
        size: frame size (square), px.
        background: the static background.
        distractors: moving background objects.
        lighting: the lighting schedule.
        hand: the hand identity.
        rgb_noise: colour sensor noise standard deviation, grey levels.
        depth_sensor: depth noise settings.
    """

    size: int
    background: Background
    distractors: list[Distractor]
    lighting: Lighting
    hand: HandIdentity
    rgb_noise: float
    depth_sensor: DepthSensor


def sample_scene(rng: np.random.Generator, size: int) -> Scene:
    """Draws a scene for `size` x `size` frames."""
    background = sample_background(rng, size)
    gx, gy = pixel_grid(size)
    distractors = sample_distractors(rng, size, background.near_mm, background.plane_mm, gx, gy)
    return Scene(
        size=size,
        background=background,
        distractors=distractors,
        lighting=sample_lighting(rng),
        hand=sample_hand_identity(rng, size),
        rgb_noise=uniform(rng, (1.5, 6.0)),
        depth_sensor=sample_depth_sensor(rng, size),
    )
