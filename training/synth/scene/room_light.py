"""Scene light of the v2 scenes: a key light and ambient light with colour temperatures."""

from __future__ import annotations

import math

import numpy as np

from training.synth.light import Light
from training.synth.randomness import uniform

_KELVIN = (2700.0, 3500.0, 4500.0, 5500.0, 6500.0)
_KELVIN_RGB = (
    (1.0, 0.71, 0.42),
    (1.0, 0.80, 0.60),
    (1.0, 0.89, 0.78),
    (1.0, 0.95, 0.90),
    (1.0, 1.0, 1.0),
)


def kelvin_rgb(kelvin: float) -> tuple[float, float, float]:
    """RGB multipliers of a light of colour temperature `kelvin` (2700 .. 6500 K), normalised
    to unit mean (piecewise linear in a small table)."""
    k = min(max(kelvin, _KELVIN[0]), _KELVIN[-1])
    i = max(j for j in range(len(_KELVIN) - 1) if _KELVIN[j] <= k) if k < _KELVIN[-1] else len(_KELVIN) - 2
    f = (k - _KELVIN[i]) / (_KELVIN[i + 1] - _KELVIN[i])
    rgb = [a * (1 - f) + b * f for a, b in zip(_KELVIN_RGB[i], _KELVIN_RGB[i + 1])]
    mean = sum(rgb) / 3
    return tuple(c / mean for c in rgb)


def sample_light(rng: np.random.Generator, viewpoint: str, dim: bool = False) -> Light:
    """A key light from above, the side or behind the camera, plus ambient light.

    Args:
        rng: draws a fixed number of values.
        viewpoint: 'facing', 'overhead', 'car' or 'headworn'.
        dim: a dark scene (night car, dim room): weak key and ambient light.

    Returns:
        The Light; its direction is in camera coordinates and lights a surface facing the
        camera (normal (0, 0, -1)) with a positive Lambert term in most draws.
    """
    azimuth = uniform(rng, (-1.2, 1.2))  # radians, 0 = from straight behind the camera
    elevation = uniform(rng, (0.05, 1.1))  # above the camera's horizon
    back = uniform(rng, (0.0, 1.0)) < 0.12  # sometimes a light from behind the scene (backlight)
    x = math.sin(azimuth) * math.cos(elevation)
    z = -math.cos(azimuth) * math.cos(elevation) * (-0.6 if back else 1.0)
    y = -math.sin(elevation)
    if viewpoint in ("overhead", "car"):
        y, z = z * 0.5, min(z, -0.4)  # the camera looks down/up: light from behind the camera
    norm = math.sqrt(x * x + y * y + z * z)
    key_k = uniform(rng, (2700.0, 6500.0))
    amb_k = key_k + uniform(rng, (-1200.0, 1200.0))
    key = uniform(rng, (0.15, 0.45) if dim else (0.35, 1.1))
    amb = uniform(rng, (0.06, 0.18) if dim else (0.2, 0.65))
    cast = rng.uniform(-0.06, 0.06, size=3)
    key_rgb = tuple(float(min(max(c * key * (1 + d), 0.02), 1.3)) for c, d in zip(kelvin_rgb(key_k), cast))
    amb_rgb = tuple(float(min(max(c * amb, 0.02), 0.8)) for c in kelvin_rgb(amb_k))
    return Light(direction=(x / norm, y / norm, z / norm), key_rgb=key_rgb, ambient_rgb=amb_rgb)
