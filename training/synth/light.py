"""Scene lighting shared by every v2 element: one key light plus ambient light.

Shading is Lambertian: colour * (ambient + key * max(0, n . l)), computed with arithmetic
only, so it is identical on every CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Light:
    """Attributes:
    direction: unit vector from a surface towards the key light, camera coordinates
        (x right, y down, z forward: a light behind the camera has negative z).
    key_rgb: key light colour and strength per channel (about 0.2 .. 1.3).
    ambient_rgb: ambient light per channel (about 0.1 .. 0.8).
    """

    direction: tuple[float, float, float]
    key_rgb: tuple[float, float, float]
    ambient_rgb: tuple[float, float, float]


def shade(normals: np.ndarray, light: Light) -> np.ndarray:
    """Per-pixel light multiplier.

    Args:
        normals: float32 [H, W, 3] unit surface normals in camera coordinates, pointing
            towards the camera side (negative z for a surface facing the camera).
        light: the scene's light.

    Returns:
        float32 [H, W, 3], to multiply an albedo (0..255) with.
    """
    lx, ly, lz = (np.float32(v) for v in light.direction)
    lambert = np.maximum(normals[..., 0] * lx + normals[..., 1] * ly + normals[..., 2] * lz, np.float32(0))
    key = np.asarray(light.key_rgb, dtype=np.float32)
    ambient = np.asarray(light.ambient_rgb, dtype=np.float32)
    return (ambient + lambert[..., None] * key).astype(np.float32)
