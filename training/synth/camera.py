"""The pinhole camera of SynthGesture v2: square frames, a horizontal field of view, a pose.

Camera coordinates: x right, y down, z forward (mm), as OpenCV. World coordinates: x right,
y down (towards the floor), z away from the default camera; the floor is the plane
y = `floor_y`. A camera at `position` looks along its z axis after `pitch` (positive tilts
down), `yaw` (positive turns right) and `roll` (positive turns the image clockwise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """Attributes:
    size: frame side, px.
    fov_deg: horizontal (= vertical) field of view, degrees (a D435 colour crop: 55 to 70).
    position: (x, y, z) of the optical centre in world mm.
    yaw, pitch, roll: orientation, radians.
    """

    size: int
    fov_deg: float
    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0

    @property
    def focal_px(self) -> float:
        """Focal length in pixels."""
        return self.size / 2 / math.tan(math.radians(self.fov_deg) / 2)

    def rotation(self) -> np.ndarray:
        """World-from-camera rotation, float64 [3, 3] (columns: camera x, y, z in world)."""
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        cp, sp = math.cos(self.pitch), math.sin(self.pitch)
        cr, sr = math.cos(self.roll), math.sin(self.roll)
        yaw = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
        pitch = np.array([[1, 0, 0], [0, cp, sp], [0, -sp, cp]])  # +pitch: z turns towards +y (down)
        roll = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
        return yaw @ pitch @ roll

    def rays(self) -> np.ndarray:
        """World direction of each pixel centre's ray, scaled so its camera-z is 1:
        float32 [H, W, 3]. A point at depth d (mm, along the optical axis) on the ray of
        pixel (v, u) is position + d * rays[v, u]."""
        f = self.focal_px
        c = (self.size - 1) / 2
        coords = (np.arange(self.size, dtype=np.float64) - c) / f
        u, v = np.meshgrid(coords, coords)
        cam = np.stack([u, v, np.ones_like(u)], axis=-1)
        return (cam @ self.rotation().T).astype(np.float32)

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """World points float [..., 3] -> pixel coordinates float64 [..., 2] (x, y; integers
        are pixel centres) and depth along the optical axis float64 [...] (mm)."""
        rel = np.asarray(points, dtype=np.float64) - np.asarray(self.position)
        cam = rel @ self.rotation()
        z = cam[..., 2]
        f, c = self.focal_px, (self.size - 1) / 2
        safe = np.where(np.abs(z) < 1e-6, 1e-6, z)
        return np.stack([cam[..., 0] / safe * f + c, cam[..., 1] / safe * f + c], axis=-1), z

    def unproject(self, x: float, y: float, depth_mm: float) -> np.ndarray:
        """The world point at pixel (x, y) and optical-axis depth `depth_mm`, float64 [3]."""
        f, c = self.focal_px, (self.size - 1) / 2
        cam = np.array([(x - c) / f * depth_mm, (y - c) / f * depth_mm, depth_mm])
        return np.asarray(self.position) + self.rotation() @ cam
