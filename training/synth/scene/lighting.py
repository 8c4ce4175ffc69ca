"""Scene lighting that changes over time: global gain, colour tint, a moving light gradient."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.synth.randomness import uniform


@dataclass(frozen=True)
class Lighting:
    """A lighting schedule.

    Attributes:
        gain: mean brightness factor.
        tint: per-channel colour factors (RGB).
        waves: (amplitude, period in frames, phase) of the slow gain oscillations.
        gradient: strength of the spatial light gradient.
        gradient_angle: its direction at frame 0, radians; gradient_spin: radians per frame.
    """

    gain: float
    tint: tuple[float, float, float]
    waves: tuple[tuple[float, float, float], ...]
    gradient: float
    gradient_angle: float
    gradient_spin: float

    def gain_at(self, t: int) -> float:
        """The global gain of frame `t`."""
        g = 1.0
        for amp, period, phase in self.waves:
            g += amp * math.sin(2 * math.pi * t / period + phase)
        return self.gain * g

    def gain_map(self, t: int, grid_u: np.ndarray, grid_v: np.ndarray) -> np.ndarray:
        """Per-pixel, per-channel light factor of frame `t`.

        Args:
            t: frame index.
            grid_u, grid_v: float32 [H, W] coordinates normalised to [-0.5, 0.5].

        Returns:
            float32 [H, W, 3].
        """
        angle = self.gradient_angle + self.gradient_spin * t
        ramp = grid_u * np.float32(math.cos(angle)) + grid_v * np.float32(math.sin(angle))
        spatial = 1 + np.float32(self.gradient) * ramp
        tint = np.asarray(self.tint, dtype=np.float32) * np.float32(self.gain_at(t))
        return spatial[..., None] * tint


def sample_lighting(rng: np.random.Generator) -> Lighting:
    """Draws a lighting schedule: gain 0.75-1.2, two slow waves (total amplitude <= 14 %),
    a light gradient of up to 30 % across the frame that turns slowly."""
    gain = uniform(rng, (0.75, 1.2))
    tint = tuple(float(c) for c in rng.uniform(0.9, 1.1, size=3))
    waves = (
        (uniform(rng, (0.0, 0.08)), uniform(rng, (40.0, 160.0)), uniform(rng, (0.0, 2 * math.pi))),
        (uniform(rng, (0.0, 0.06)), uniform(rng, (200.0, 900.0)), uniform(rng, (0.0, 2 * math.pi))),
    )
    return Lighting(
        gain=gain,
        tint=tint,  # type: ignore[arg-type]
        waves=waves,
        gradient=uniform(rng, (0.0, 0.3)),
        gradient_angle=uniform(rng, (0.0, 2 * math.pi)),
        gradient_spin=uniform(rng, (-0.02, 0.02)),
    )
