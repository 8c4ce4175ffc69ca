"""Version-2 scenes: everything behind the gesturer, the scene light and the moving camera.

`sample_scene_v2` draws a viewpoint's camera pose, a world of its family (a furnished room,
a desk from above, a car cabin), the light, background people and the camera's shake and
drift; `scene_layers` ray casts the world through `camera_at(scene, t)` every frame (exact
depth along the optical axis under shake) and adds the people of that frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from training.synth.camera import Camera
from training.synth.layers import Layer
from training.synth.light import Light
from training.synth.randomness import child_rngs, smooth_noise, uniform
from training.synth.scene import room_layouts
from training.synth.scene.room_light import sample_light
from training.synth.scene.room_trace import World, trace
from training.synth.scene.viewpoints import VIEWPOINTS, sample_pose
from training.synth.scene.walkers import Walker, render_walker, sample_walker

SCENE_FAMILIES = ("home", "office", "plain", "car")
__all__ = ["VIEWPOINTS", "SCENE_FAMILIES", "SceneV2", "sample_scene_v2", "scene_layers", "camera_at"]


@dataclass(frozen=True, eq=False)
class SceneV2:
    """A recording's scene.

    Attributes:
        camera: the camera at rest (frame poses add `motion`).
        light: key and ambient light (direction in camera coordinates).
        viewpoint: one of VIEWPOINTS.
        family: one of SCENE_FAMILIES.
        hand_depth_mm: (near, far) depths along the optical axis where a gesturing hand may be.
        body_depth_mm: the gesturer's torso depth ('facing'), else None.
        arm_entry: 'body', 'bottom', 'left' or 'right'.
        world: the static world that is ray cast.
        walkers: background people.
        motion: float64 [frames, 3], (yaw, pitch, roll) offsets of each frame, radians
            (shake plus slow drift).
        dim: a low-light scene.
    """

    camera: Camera
    light: Light
    viewpoint: str
    family: str
    hand_depth_mm: tuple[float, float]
    body_depth_mm: float | None
    arm_entry: str
    world: World
    walkers: tuple[Walker, ...]
    motion: np.ndarray
    dim: bool


def _check(viewpoint: str, family: str) -> None:
    if viewpoint not in VIEWPOINTS:
        raise ValueError(f"unknown viewpoint {viewpoint!r}; expected one of {VIEWPOINTS}")
    if family not in SCENE_FAMILIES:
        raise ValueError(f"unknown scene family {family!r}; expected one of {SCENE_FAMILIES}")
    if (viewpoint == "car") != (family == "car"):
        raise ValueError(f"viewpoint {viewpoint!r} does not go with scene family {family!r}")


def _motion(rng: np.random.Generator, frames: int, focal_px: float, shake_px: float, drift_deg: float) -> np.ndarray:
    """Per-frame (yaw, pitch, roll) offsets: jitter of about `shake_px` per frame plus a slow
    drift; always 6 * (frames + ...) draws, whatever the values."""
    n = max(frames, 1)
    out = np.zeros((n, 3), np.float64)
    for axis in range(3):
        jitter = np.cumsum(smooth_noise(rng, n, 2)) * (shake_px / focal_px) * 0.5
        jitter -= np.linspace(jitter[0], jitter[-1], n)  # a random walk pinned at both ends
        drift = smooth_noise(rng, n, 25) * math.radians(drift_deg)
        out[:, axis] = (jitter + drift) * (0.5 if axis == 2 else 1.0)
    return out


def sample_scene_v2(rng: np.random.Generator, size: int, viewpoint: str, family: str, frames: int) -> SceneV2:
    """Draws a scene for a recording of `frames` frames of `size` x `size` pixels.

    Args:
        rng: the recording's scene Generator.
        size: frame side, px.
        viewpoint: one of VIEWPOINTS.
        family: one of SCENE_FAMILIES ('car' exactly with the 'car' viewpoint).
        frames: the recording's length (the camera motion is drawn for it).

    Raises:
        ValueError: for an unknown or invalid (viewpoint, family) pair.
    """
    _check(viewpoint, family)
    r_pose, r_world, r_light, r_people, r_motion = child_rngs(rng, 5)
    dim = uniform(r_light, (0.0, 1.0)) < (0.35 if family == "car" else 0.15)
    desk_top = -uniform(r_pose, (700.0, 780.0))
    pose = sample_pose(r_pose, viewpoint, desk_top)
    camera = Camera(size, pose.fov_deg, pose.position, pose.yaw, pose.pitch, pose.roll)
    walkers: list[Walker] = []
    half_fov = math.tan(math.radians(pose.fov_deg) / 2)
    if viewpoint == "facing":
        back = max(uniform(r_world, (1200.0, 5000.0)), pose.body_depth_mm + 700.0)
        clear = pose.body_depth_mm + 300.0
        world, _ = room_layouts.room(r_world, family, back, clear)
        z_range = (clear + 300.0, back - 400.0)
    elif viewpoint == "headworn":
        back = uniform(r_world, (1800.0, 5000.0)) + pose.position[2]
        world, _ = room_layouts.room(r_world, family, back, 0.0, desk=bool(r_world.integers(0, 2)))
        z_range = (1500.0 + pose.position[2], back - 400.0)
    elif viewpoint == "overhead":
        world = room_layouts.desk_room(r_world, family, desk_top)
        z_range = (0.0, -1.0)
    else:
        world = room_layouts.car_cabin(r_world, dim)
        z_range = (0.0, -1.0)
    count = int(r_people.choice([0, 0, 1, 1, 2]))
    for _ in range(count):
        w = sample_walker(r_people, (0.0, 1.0), 1.0, frames)  # fixed draws even when unused
        if z_range[1] > z_range[0]:
            z = z_range[0] + (z_range[1] - z_range[0]) * w.z
            half_width = z * half_fov
            x0 = w.x0 if w.speed != 0 else w.x0 * half_width
            walkers.append(
                Walker(x0, z, 0.0, w.speed, w.height, w.period, w.phase, w.skin, w.hair, w.top, w.bottom, w.shoes)
            )
    light = sample_light(r_light, viewpoint, dim)
    motion = _motion(r_motion, frames, camera.focal_px, pose.shake_px, pose.drift_deg)
    return SceneV2(
        camera=camera,
        light=light,
        viewpoint=viewpoint,
        family=family,
        hand_depth_mm=pose.hand_depth_mm,
        body_depth_mm=pose.body_depth_mm,
        arm_entry=pose.arm_entry,
        world=world,
        walkers=tuple(walkers),
        motion=motion,
        dim=dim,
    )


def camera_at(scene: SceneV2, t: int) -> Camera:
    """The camera of frame `t` (the rest pose plus the frame's shake and drift; frames past
    the drawn length keep the last pose)."""
    i = min(max(int(t), 0), len(scene.motion) - 1)
    dy, dp, dr = (float(v) for v in scene.motion[i])
    c = scene.camera
    return Camera(c.size, c.fov_deg, c.position, c.yaw + dy, c.pitch + dp, c.roll + dr)


def scene_layers(scene: SceneV2, t: int) -> list[Layer]:
    """The background layers of frame `t`: the ray-cast world, then one layer per person in view."""
    cam = camera_at(scene, t)
    layers = [trace(scene.world, cam, scene.light, t)]
    for w in scene.walkers:
        layer = render_walker(w, cam, scene.light, t)
        if layer is not None:
            layers.append(layer)
    return layers
