"""Rendering the gesturer of one frame as Layers: body, arm(s), idle hand, gesturing hand."""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from training.synth.camera import Camera
from training.synth.layers import Layer
from training.synth.light import Light
from training.synth.person.body import colour_arm, colour_body, draw_arm, draw_body, sway
from training.synth.person.hand import HandShape, colour_hand, draw_hand
from training.synth.person.identity import PersonIdentity
from training.synth.person.placement import Placement
from training.synth.person.raster import Canvas, shifted_depth
from training.synth.pose import HandPose

Point = tuple[float, float, float]

_SWAY_STEPS = 4
"""The body's sway is rendered in steps of 1 / _SWAY_STEPS px."""
_ELBOW_FOLLOW = 0.4
"""Fraction of the wrist's depth change the elbow follows when the arm comes from the body."""


def _layer(canvas: Canvas, rgb: np.ndarray, ir: np.ndarray) -> Layer:
    return Layer(rgb=rgb, depth=canvas.depth, alpha=canvas.alpha, ir=ir)


def _border_arm(
    placement: Placement,
    person: PersonIdentity,
    entry: str,
    wrist: Point,
    hand_xy: tuple[float, float],
    size: int,
    s: float,
) -> tuple[Point, Point]:
    """Elbow and shoulder of an arm that enters from an image border."""
    n = size
    margin = person.elbow_r_mm * s * 1.5 + 2.0
    follow = placement.entry_follow
    if entry == "bottom":
        ex, ey = placement.entry_pos + follow * (hand_xy[0] - n / 2), n - 1 + margin
    elif entry == "left":
        ex, ey = -margin, placement.entry_pos + follow * (hand_xy[1] - n / 2)
    else:
        ex, ey = n - 1 + margin, placement.entry_pos + follow * (hand_xy[1] - n / 2)
    dx, dy = ex - wrist[0], ey - wrist[1]
    dist = max(math.hypot(dx, dy), 1e-6)
    ux, uy = dx / dist, dy / dist
    fore = person.forearm_mm * s * 0.95
    upper = max(person.upper_arm_mm * s, dist - fore + margin)
    rise = placement.arm_rise_mm
    elbow = (wrist[0] + ux * fore, wrist[1] + uy * fore, wrist[2] + rise)
    shoulder = (elbow[0] + ux * upper, elbow[1] + uy * upper, wrist[2] + 2 * rise)
    return elbow, shoulder


def _arm_radii(person: PersonIdentity, s_elbow: float, wrist_px: float) -> tuple[float, float, float]:
    re = person.elbow_r_mm * s_elbow
    return wrist_px * 0.95, re, re * 1.05


@functools.lru_cache(maxsize=16)
def _body_layer(
    person: PersonIdentity, placement: Placement, dx: float, dy: float, hanging: tuple[bool, bool], light: Light, n: int
) -> Layer:
    """The body layer at a (quantised) sway offset; cached, its arrays are read-only."""
    assert placement.body_depth_mm is not None
    bs = placement.body_px_per_mm
    bx, by = placement.body_x + dx, placement.body_y + dy
    canvas = Canvas(n)
    draw_body(canvas, person, bx, by, placement.body_depth_mm, bs, hanging)
    return _frozen([_layer(canvas, *colour_body(canvas, person, light, bx, by, bs))])[0]


@functools.lru_cache(maxsize=16)
def _idle_layers(
    person: PersonIdentity,
    placement: Placement,
    dx: float,
    dy: float,
    light: Light,
    n: int,
    f: float,
    shoulder: Point | None,
) -> tuple[Layer, ...]:
    """The idle hand's arm and hand layers at a (quantised) sway offset; cached, read-only."""
    shape = HandShape(
        placement.idle_x + dx,
        placement.idle_y + dy,
        placement.idle_angle,
        placement.idle_depth_mm,
        placement.idle_openness,
        placement.idle_curl,
        0.3,
        0.0,
        -person.handed,
        placement.idle_px_per_mm,
    )
    layers, _ = _hand_and_arm(
        person,
        placement,
        shape,
        placement.idle_flip,
        light,
        n,
        f,
        shoulder,
        placement.idle_entry,
        placement.idle_depth_mm,
        watch=False,
    )
    return tuple(_frozen(layers))


def _frozen(layers: list[Layer]) -> list[Layer]:
    for layer in layers:
        for a in (layer.rgb, layer.depth, layer.alpha, layer.ir):
            if a is not None:
                a.flags.writeable = False
    return layers


def _quantised_sway(placement: Placement, t: int) -> tuple[float, float]:
    """The body's sway offset at frame t, px, rounded to 1 / _SWAY_STEPS px (so that the
    static parts can be cached between frames)."""
    dx, dy = sway(placement.sway_px, placement.sway_period, placement.sway_phase, t)
    return round(dx * _SWAY_STEPS) / _SWAY_STEPS, round(dy * _SWAY_STEPS) / _SWAY_STEPS


def _shoulders(person: PersonIdentity, placement: Placement, dx: float, dy: float) -> dict[int, Point]:
    """The facing body's shoulders (x px, y px, depth mm) keyed by the hand's side (+1 the
    right hand's, on the image left), at sway offset dx, dy px."""
    assert placement.body_depth_mm is not None
    bs = placement.body_px_per_mm
    bx, by, bd = placement.body_x + dx, placement.body_y + dy, placement.body_depth_mm
    half = 0.42 * person.shoulder_mm * bs
    return {1: (bx - half, by + 30 * bs, bd + 35.0), -1: (bx + half, by + 30 * bs, bd + 35.0)}


def _hanging(person: PersonIdentity, placement: Placement, pose: HandPose) -> tuple[bool, bool]:
    """Whether the body's right and left arms hang down (neither gesturing nor idle in view)."""
    h = person.handed
    return (
        not (pose.present and h == 1) and not (placement.idle and h == -1),
        not (pose.present and h == -1) and not (placement.idle and h == 1),
    )


def _pose_shape(pose: HandPose, handed: int, px_per_mm: float) -> HandShape:
    """The gesturing hand's shape from its pose (image scale px_per_mm)."""
    return HandShape(
        pose.x, pose.y, pose.angle, pose.z, pose.openness, pose.curl, pose.spread, pose.tilt, handed, px_per_mm
    )


def render_person(
    person: PersonIdentity, placement: Placement, pose: HandPose, t: int, camera: Camera, light: Light
) -> tuple[list[Layer], np.ndarray]:
    """Renders the gesturer at frame t.

    The hand's and arm's images depend on the pose's x, y, angle, openness, curl, spread,
    tilt and flip, never on z (the scale is the placement's nominal one); their depths
    follow z. The body sits at its own depth with a slow sway over t. Flip changes colour
    only.

    Args:
        person: the gesturer.
        placement: the recording's placement.
        pose: the gesturing hand at frame t.
        t: frame index (drives the body's sway).
        camera: the camera (its size and focal length).
        light: the scene's light.

    Returns:
        The layers (body if any, idle arm and hand if any, then arm and hand while the
        pose is present), each on the camera's size x size grid (the body's and the idle
        hand's arrays are cached between frames and read-only), and the gesturing hand's
        mask bool [H, W] (pixels at least half covered by the hand, wrist included, arm
        excluded; all False when the pose is absent).
    """
    n = camera.size
    f = camera.focal_px
    h = person.handed
    layers: list[Layer] = []
    mask = np.zeros((n, n), dtype=bool)
    dx, dy = _quantised_sway(placement, t)
    facing = placement.arm_entry == "body"
    shoulders: dict[int, Point] = {}
    if facing:
        shoulders = _shoulders(person, placement, dx, dy)
        layers.append(_body_layer(person, placement, dx, dy, _hanging(person, placement, pose), light, n))
    if placement.idle:
        idle_dx, idle_dy = (dx, dy) if facing else (0.0, 0.0)
        layers.extend(_idle_layers(person, placement, idle_dx, idle_dy, light, n, f, shoulders.get(-h)))
    if pose.present:
        shape = _pose_shape(pose, h, placement.px_per_mm)
        entry, nominal_mm = placement.arm_entry, placement.hand_depth_mm
        arm_layers, mask = _hand_and_arm(
            person, placement, shape, pose.flip, light, n, f, shoulders.get(h), entry, nominal_mm, watch=person.watch
        )
        layers.extend(arm_layers)
    return layers, mask


def _hand_and_arm(
    person: PersonIdentity,
    placement: Placement,
    shape: HandShape,
    flip: float,
    light: Light,
    n: int,
    f: float,
    shoulder: Point | None,
    entry: str,
    nominal_mm: float,
    watch: bool,
) -> tuple[list[Layer], np.ndarray]:
    """Arm and hand layers of one hand, and the hand's mask.

    Both are rasterised with the palm at the nominal depth, so their images cannot depend
    on the pose's z; the depth change is added afterwards (the whole hand, the forearm
    fading to `_ELBOW_FOLLOW` at the elbow and nothing at the shoulder when facing, the
    whole arm for a border entry).
    """
    dz = shape.z - nominal_mm
    nominal = dataclasses.replace(shape, z=nominal_mm)
    hand = Canvas(n)
    wrist, wrist_px = draw_hand(hand, person, nominal)
    arm = Canvas(n)
    s = shape.s
    if shoulder is not None:
        assert placement.body_depth_mm is not None
        # The elbow hangs below the shoulder and follows the hand a little.
        sx, sy = shoulder[0], shoulder[1]
        k = placement.elbow_follow
        ex = sx + placement.elbow_dx + k * (shape.x - sx)
        ey = sy + placement.elbow_dy + 0.5 * k * (shape.y - sy)
        if nominal_mm == placement.hand_depth_mm:
            elbow_mm = placement.elbow_depth_mm
        else:  # the idle arm
            elbow_mm = 0.5 * (nominal_mm + placement.body_depth_mm)
        elbow = (ex, ey, elbow_mm)
        radii = _arm_radii(person, f / elbow_mm, wrist_px)
        shift = (1.0, _ELBOW_FOLLOW, 0.0)
    else:
        elbow, shoulder = _border_arm(placement, person, entry, wrist, (shape.x, shape.y), n, s)
        radii = _arm_radii(person, s, wrist_px)
        shift = (1.0, 1.0, 1.0)
    draw_arm(arm, person, wrist, elbow, shoulder, radii, 1.0 / s, watch, shift)
    arm_rgb, arm_ir = colour_arm(arm, person, light, flip, (person.forearm_mm, person.upper_arm_mm))
    hand_rgb, hand_ir = colour_hand(hand, person, nominal, flip, light)
    layers = [
        Layer(rgb=arm_rgb, depth=shifted_depth(arm, dz), alpha=arm.alpha, ir=arm_ir),
        Layer(rgb=hand_rgb, depth=shifted_depth(hand, dz), alpha=hand.alpha, ir=hand_ir),
    ]
    return layers, hand.alpha >= 0.5
