"""SynthGesture v2 rendering: a person gesturing in a scene, seen by a RealSense-like camera.

Each recording draws a style (hand model, viewpoint and scene family, depth sensor, colour
camera), a scene, a person and their placement, a performer, and a pose track; every frame
composes the scene's layers and the person's by depth, then passes the colour through the
colour camera model and the depth through the D4xx model.

Randomness is split into independent sources drawn in a fixed order whatever the label, so
classes rendered from equally seeded Generators share everything but the gesture: push and
pull then have identical colour frames, and the two flips identical depth frames.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from training.synth import classes as C
from training.synth.constants import STREAM_GAP_FRAMES
from training.synth.layers import composite
from training.synth.performance import Performer, clip_poses, sample_performer, stream_poses
from training.synth.person import PersonIdentity, Placement, render_person, sample_person, sample_placement
from training.synth.pose import PoseTrack
from training.synth.randomness import child_rngs
from training.synth.render import Clip, Stream, check_size
from training.synth.scene.v2_scene import SceneV2, camera_at, sample_scene_v2, scene_layers
from training.synth.sensors.colour_camera import ColourCamera, new_exposure_state, sample_colour_camera, sense_colour
from training.synth.sensors.d4xx import D4xxSensor, sample_d4xx, sense_d4xx
from training.synth.styles import V2_STYLES, StyleChoice, check_styles, choose

MAX_GESTURE_FRAMES = 400
"""More frames than any v2 gesture or no_gesture stretch takes (the slowest performer)."""
BODY_MARGIN_MM = 150.0
"""The body stays at least this far behind the farthest hand position (a pull included)."""


@dataclass(frozen=True)
class Recording:
    """Everything fixed for one v2 recording."""

    choice: StyleChoice
    scene: SceneV2
    person: PersonIdentity
    placement: Placement
    performer: Performer
    depth_sensor: D4xxSensor
    camera: ColourCamera


def _recording(rngs: list[np.random.Generator], size: int, frames: int, styles: tuple[str, ...]) -> Recording:
    style_rng, scene_rng, person_rng, motion_rng, sensor_rng = rngs
    choice = choose(style_rng, styles)
    scene = sample_scene_v2(scene_rng, size, choice.viewpoint, choice.family, frames)
    if scene.body_depth_mm is not None:
        scene = dataclasses.replace(
            scene, body_depth_mm=max(scene.body_depth_mm, scene.hand_depth_mm[1] + BODY_MARGIN_MM)
        )
    performer = sample_performer(motion_rng)
    # the performer's hand is the one the person gestures with (its rest point is on that side)
    person = dataclasses.replace(sample_person(person_rng, choice.hand_model), handed=performer.handedness)
    placement = sample_placement(
        person_rng, person, scene.camera, scene.arm_entry, scene.hand_depth_mm, scene.body_depth_mm
    )
    return Recording(
        choice=choice,
        scene=scene,
        person=person,
        placement=placement,
        performer=performer,
        depth_sensor=sample_d4xx(sensor_rng, size, choice.depth_sensor, fov_deg=scene.camera.fov_deg),
        camera=sample_colour_camera(sensor_rng, size, choice.camera),
    )


def render_frames_v2(
    rec: Recording, track: PoseTrack, rgb_rng: np.random.Generator, depth_rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Renders every frame of a pose track in a recording.

    Returns:
        rgb uint8 [T, H, W, 3], depth uint16 [T, H, W] (mm, 0 = no depth) and the hand
        mask bool [T, H, W].
    """
    size = rec.scene.camera.size
    frames = len(track)
    rgb_out = np.empty((frames, size, size, 3), dtype=np.uint8)
    depth_out = np.empty((frames, size, size), dtype=np.uint16)
    mask_out = np.zeros((frames, size, size), dtype=bool)
    exposure = new_exposure_state(rec.camera)
    for t in range(frames):
        camera = camera_at(rec.scene, t)
        layers = scene_layers(rec.scene, t)
        person_layers, mask = render_person(rec.person, rec.placement, track.pose(t), t, camera, rec.scene.light)
        frame = composite(layers, overlay=person_layers)
        rgb_out[t] = sense_colour(frame.rgb, t, rec.camera, rgb_rng, exposure)
        depth_out[t] = sense_d4xx(frame.depth, frame.ir, rec.depth_sensor, depth_rng)
        mask_out[t] = mask
    return rgb_out, depth_out, mask_out


def render_clip_v2(
    label: int,
    rng: np.random.Generator,
    size: int = 128,
    frames: int | None = None,
    styles: Sequence[str] = V2_STYLES,
) -> Clip:
    """Renders one isolated v2 clip of a class in one of `styles`.

    Args:
        label: class id 0..12.
        rng: random source; seed it from (seed, clip index) for reproducible datasets.
        size: frame height = width, px.
        frames: clip length T, or None for a random length in 40..90.
        styles: the v2 styles to draw from (`training/synth/styles.py`).

    Returns:
        The clip; `clip.style` names the style drawn.

    Raises:
        ValueError: an unknown label or style, a size below 16 or frames below 8.
    """
    label = C.check_label(label)
    size = check_size(size)
    styles = check_styles(styles)
    if "v1" in styles:
        raise ValueError("render_clip_v2 renders the v2 styles; use render_clip for v1")
    style_rng, scene_rng, person_rng, motion_rng, sensor_rng, rgb_rng, depth_rng = child_rngs(rng, 7)
    length = int(motion_rng.integers(40, 91)) if frames is None else int(frames)
    if length < 8:
        raise ValueError(f"frames must be at least 8, got {length}")
    rec = _recording([style_rng, scene_rng, person_rng, motion_rng, sensor_rng], size, length, styles)
    track, span = clip_poses(
        label, motion_rng, rec.performer, size, rec.placement.hand_px, rec.scene.hand_depth_mm, frames=length
    )
    rgb, depth, mask = render_frames_v2(rec, track, rgb_rng, depth_rng)
    return Clip(rgb=rgb, depth=depth, label=label, gesture_range=span, hand_mask=mask, style=rec.choice.style)


def render_stream_v2(
    rng: np.random.Generator,
    size: int = 128,
    n_gestures: int = 8,
    labels: Sequence[int] | None = None,
    gap: tuple[int, int] = STREAM_GAP_FRAMES,
    styles: Sequence[str] = V2_STYLES,
) -> Stream:
    """Renders a continuous v2 recording: gestures separated by `no_gesture` stretches
    (with hard negatives), one style, scene and person throughout.

    Args:
        rng: random source.
        size: frame height = width, px.
        n_gestures: gestures drawn uniformly from ids 1..12 (ignored when `labels` is given).
        labels: the gestures to perform, in order.
        gap: inclusive range of the `no_gesture` stretch lengths, frames.
        styles: the v2 styles to draw from.

    Raises:
        ValueError: a no_gesture or unknown label, a bad gap, size or style.
    """
    size = check_size(size)
    styles = check_styles(styles)
    style_rng, scene_rng, person_rng, motion_rng, sensor_rng, rgb_rng, depth_rng = child_rngs(rng, 7)
    if labels is None:
        if n_gestures < 0:
            raise ValueError(f"n_gestures must be non-negative, got {n_gestures}")
        labels = [int(v) for v in motion_rng.integers(1, C.NUM_CLASSES, size=n_gestures)]
    for label in labels:
        if C.check_label(label) == C.NO_GESTURE:
            raise ValueError("a stream's gestures cannot be no_gesture")
    # The scene schedules its moving content over the recording's length, which the pose
    # track decides after the person is placed: give it a bound no stream reaches.
    bound = (len(labels) + 1) * (MAX_GESTURE_FRAMES + gap[1])
    rec = _recording([style_rng, scene_rng, person_rng, motion_rng, sensor_rng], size, bound, styles)
    track, events = stream_poses(
        list(labels), motion_rng, rec.performer, size, rec.placement.hand_px, rec.scene.hand_depth_mm, gap
    )
    rgb, depth, mask = render_frames_v2(rec, track, rgb_rng, depth_rng)
    return Stream(rgb=rgb, depth=depth, events=events, hand_mask=mask, style=rec.choice.style)
