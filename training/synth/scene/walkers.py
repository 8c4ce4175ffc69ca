"""People in the background: walkers crossing the view and people standing and shifting.

A person is a side-on figure in a vertical plane at a fixed world z: legs (thigh, shin, foot),
torso, arms (upper arm, forearm, hand) and head, in clothes colours, with a walking gait
(swinging legs and opposite arms, knee flexion, a small vertical bob) or, standing, a slow
sway and occasional arm movement. Each frame projects the joints with the frame's camera
and draws limbs as thick anti-aliased lines with cv2 (integer, fixed-point coordinates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from training.synth.camera import Camera
from training.synth.layers import FAR_MM, Layer
from training.synth.light import Light
from training.synth.randomness import uniform
from training.synth.scene.room_trace import project_point, rotation

_SHIFT = 4  # cv2 fixed-point bits


@dataclass(frozen=True)
class Walker:
    """A background person.

    Attributes:
        x0: world x of the hips at frame 0, mm.
        z: world z of the body's plane, mm.
        floor_y: world y of the floor under the feet, mm.
        speed: mm per frame along x (signed; 0 for a standing person).
        height: mm (1450 .. 1950).
        period: frames per stride (two steps).
        phase: gait phase at frame 0, radians.
        skin, hair, top, bottom, shoes: RGB colours 0..255.
    """

    x0: float
    z: float
    floor_y: float
    speed: float
    height: float
    period: float
    phase: float
    skin: tuple[float, float, float]
    hair: tuple[float, float, float]
    top: tuple[float, float, float]
    bottom: tuple[float, float, float]
    shoes: tuple[float, float, float]


def sample_walker(
    rng: np.random.Generator, z_range: tuple[float, float], half_width: float, frames: int, floor_y: float = 0.0
) -> Walker:
    """A person at a depth in `z_range` (world mm) who crosses (or stands in) a view that is
    `half_width` mm wide either side of x = 0 at that depth, during `frames` frames."""
    z = uniform(rng, z_range)
    height = uniform(rng, (1450.0, 1950.0))
    walking = uniform(rng, (0.0, 1.0)) < 0.7
    speed = uniform(rng, (0.6, 1.6)) * 1000 / 30 * (1 if rng.integers(0, 2) else -1)
    crossing = uniform(rng, (-0.3, 0.9)) * frames  # frame at which it crosses x = 0
    x0 = -speed * crossing if walking else uniform(rng, (-half_width, half_width))
    skin = np.array([225, 185, 150], np.float32) * np.float32(uniform(rng, (0.35, 1.1)))
    return Walker(
        x0=float(x0),
        z=z,
        floor_y=floor_y,
        speed=float(speed) if walking else 0.0,
        height=height,
        period=uniform(rng, (28.0, 40.0)) * height / 1700,
        phase=uniform(rng, (0.0, 2 * math.pi)),
        skin=tuple(float(c) for c in np.clip(skin, 0, 255)),
        hair=tuple(float(c) for c in rng.uniform(5, 120, size=3)),
        top=tuple(float(c) for c in rng.uniform(10, 240, size=3)),
        bottom=tuple(float(c) for c in rng.uniform(10, 160, size=3)),
        shoes=tuple(float(c) for c in rng.uniform(5, 90, size=3)),
    )


def _skeleton(w: Walker, t: int) -> tuple[dict[str, tuple[float, float]], float]:
    """Joint positions (x, y in the body plane, world mm) and the facing sign at frame t."""
    h = w.height
    facing = 1.0 if w.speed >= 0 else -1.0
    ph = w.phase + 2 * math.pi * t / w.period
    if w.speed != 0:
        swing, knee_amp, arm_amp, bob = 0.45, 0.9, 0.5, 0.012 * h
        hip_x = w.x0 + w.speed * t
    else:
        ph = w.phase + 2 * math.pi * t / (w.period * 4)
        swing, knee_amp, arm_amp, bob = 0.05, 0.05, 0.15, 0.003 * h
        hip_x = w.x0 + 40 * math.sin(ph)
    hip_y = w.floor_y - 0.53 * h - bob * abs(math.cos(ph))
    joints: dict[str, tuple[float, float]] = {"hip": (hip_x, hip_y)}
    lean = 0.06 * facing if w.speed != 0 else 0.02 * math.sin(ph * 0.5)
    neck = (hip_x + math.sin(lean) * 0.3 * h, hip_y - 0.3 * h)
    joints["neck"] = neck
    joints["head"] = (neck[0] + 0.02 * h * facing, neck[1] - 0.08 * h)
    for side, off in (("l", 0.0), ("r", math.pi)):
        a = swing * math.sin(ph + off)
        knee = (hip_x + facing * math.sin(a) * 0.245 * h, hip_y + math.cos(a) * 0.245 * h)
        flex = a - knee_amp * max(0.0, math.sin(ph + off + 1.2))
        ankle = (knee[0] + facing * math.sin(flex) * 0.246 * h, knee[1] + math.cos(flex) * 0.246 * h)
        toe = (ankle[0] + facing * 0.14 * h * 0.7, ankle[1] + 0.01 * h)
        b = -arm_amp * math.sin(ph + off)
        elbow = (neck[0] + facing * math.sin(b) * 0.186 * h, neck[1] + 0.03 * h + math.cos(b) * 0.186 * h)
        c = b + 0.3 + 0.2 * max(0.0, -math.sin(ph + off))
        wrist = (elbow[0] + facing * math.sin(c) * 0.146 * h, elbow[1] + math.cos(c) * 0.146 * h)
        joints.update({f"knee{side}": knee, f"ankle{side}": ankle, f"toe{side}": toe})
        joints.update({f"elbow{side}": elbow, f"wrist{side}": wrist})
    return joints, facing


def _project_joints(w: Walker, camera: Camera, rot, t: int) -> dict[str, tuple[float, float, float]]:
    """The joints of frame t projected by `camera` (rotation `rot`): name -> (x px, y px,
    depth mm); left-side joints lie 90 mm in front of the body plane, right-side behind it."""
    joints, _ = _skeleton(w, t)
    z_off = {"l": -90.0, "r": 90.0}
    proj = {}
    for name, (x, y) in joints.items():
        side = name[-1] if name[-1] in "lr" else ""
        proj[name] = project_point(camera, rot, (x, y, w.z + z_off.get(side, 0.0)))
    return proj


def _body_parts(w: Walker, proj: dict[str, tuple[float, float, float]]) -> list:
    """The limbs and torso to draw, far side first.

    Returns:
        (joint a, joint b, width mm, colour RGB 0..255, brightness factor) per part.
    """
    h = w.height
    sleeve = w.skin if w.top[0] > 128 else w.top
    parts = []
    for side in ("r", "l") if proj["hip"][2] > 0 else ("l", "r"):
        dim = 0.8 if side == "r" else 1.0
        parts += [
            ("hip", f"knee{side}", 0.075 * h, w.bottom, dim),
            (f"knee{side}", f"ankle{side}", 0.06 * h, w.bottom, dim),
            (f"ankle{side}", f"toe{side}", 0.045 * h, w.shoes, dim),
        ]
        if side == "r":
            parts += [
                ("neck", "elbowr", 0.055 * h, w.top, dim),
                ("elbowr", "wristr", 0.045 * h, sleeve, dim),
            ]
    parts += [("hip", "neck", 0.16 * h, w.top, 1.0)]
    parts += [("neck", "head", 0.05 * h, w.skin, 1.0)]
    parts += [("elbowl", "wristl", 0.045 * h, sleeve, 1.0)]
    parts += [("neck", "elbowl", 0.055 * h, w.top, 1.0)]
    return parts


def _draw_parts(parts: list, proj: dict, focal_px: float, ids, cover, colours: list, depths: list) -> None:
    """Draws the parts as thick lines, in place: part k (from 1) into `ids` (uint8 [H, W]),
    anti-aliased coverage 255 into `cover` (uint8 [H, W]); appends each part's dimmed colour
    and mean depth (mm) to `colours` and `depths`."""
    scale = 1 << _SHIFT
    for k, (a, b, width, colour, dim) in enumerate(parts, start=1):
        pa, pb = proj[a], proj[b]
        depth = (pa[2] + pb[2]) / 2
        thick = max(int(round(width * focal_px / depth)), 1)
        p0 = (int(round(pa[0] * scale)), int(round(pa[1] * scale)))
        p1 = (int(round(pb[0] * scale)), int(round(pb[1] * scale)))
        cv2.line(ids, p0, p1, k, thick, cv2.LINE_8, _SHIFT)
        cv2.line(cover, p0, p1, 255, thick, cv2.LINE_AA, _SHIFT)
        colours.append(tuple(c * dim for c in colour))
        depths.append(depth)


def _draw_head(w: Walker, head, focal_px: float, ids, cover, colours: list, depths: list) -> None:
    """Draws the face and the hair as filled ellipses at the projected `head` (x px, y px,
    depth mm), in place, with ids following those already in `colours` (as `_draw_parts`)."""
    scale = 1 << _SHIFT
    r_px = 0.065 * w.height * focal_px / head[2]
    for k, (colour, dy) in enumerate(((w.skin, 0.0), (w.hair, -0.25)), start=len(colours)):
        centre = (int(round(head[0] * scale)), int(round((head[1] + dy * r_px) * scale)))
        axes = (int(round(r_px * 0.85 * scale)), int(round(r_px * (1.0 + dy) * scale)))
        cv2.ellipse(ids, centre, axes, 0, 0, 360, k, -1, cv2.LINE_8, _SHIFT)
        cv2.ellipse(cover, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_AA, _SHIFT)
        colours.append(colour)
        depths.append(head[2])


def _person_layer(ids, cover, colours: list, depths: list, light: Light) -> Layer:
    """The layer from drawn part ids (uint8 [H, W], 0 background) and coverage (uint8
    [H, W], 0..255), with the parts' colours (RGB 0..255) and depths (mm) indexed by id."""
    ids = np.maximum(ids, cv2.dilate(ids, np.ones((3, 3), np.uint8)) * (ids == 0))
    lit = np.array(light.ambient_rgb, np.float32) + np.array(light.key_rgb, np.float32) * np.float32(
        max(0.15, -light.direction[2] * 0.8 + 0.2)
    )
    palette = np.array(colours, np.float32) * lit
    alpha = cover.astype(np.float32) * np.float32(1 / 255)
    depth = np.where(alpha > 0, np.array(depths, np.float32)[ids], FAR_MM).astype(np.float32)
    lum = np.array(colours, np.float32).mean(axis=1)
    ir = np.clip((lum - 8) / 50, 0.1, 1).astype(np.float32)[ids]
    return Layer(rgb=palette[ids], depth=depth, alpha=alpha, ir=ir)


def render_walker(w: Walker, camera: Camera, light: Light, t: int) -> Layer | None:
    """The person's layer in frame t, or None when it is out of view or behind the camera."""
    n = camera.size
    proj = _project_joints(w, camera, rotation(camera), t)
    if any(p[2] < 300.0 for p in proj.values()):
        return None
    xs = [p[0] for p in proj.values()]
    if max(xs) < -n * 0.3 or min(xs) > n * 1.3:
        return None
    ids = np.zeros((n, n), np.uint8)
    cover = np.zeros((n, n), np.uint8)
    colours = [(0.0, 0.0, 0.0)]
    depths = [float(FAR_MM)]
    _draw_parts(_body_parts(w, proj), proj, camera.focal_px, ids, cover, colours, depths)
    _draw_head(w, proj["head"], camera.focal_px, ids, cover, colours, depths)
    if not cover.any():
        return None
    return _person_layer(ids, cover, colours, depths, light)
