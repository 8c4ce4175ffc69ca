"""Public rendering API: isolated gesture clips and continuous gesture streams."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from training.synth import classes as C
from training.synth.constants import DEFAULT_SIZE, FPS, STREAM_GAP_FRAMES
from training.synth.frames import render_frames
from training.synth.randomness import child_rngs
from training.synth.scene.layout import sample_scene
from training.synth.schedule import clip_track, stream_track


@dataclass
class Clip:
    """One isolated, labelled clip.

    Attributes:
        rgb: uint8 [T, H, W, 3], RGB order.
        depth: uint16 [T, H, W], millimetres, 0 where the sensor has no value.
        label: class id (see `classes.CLASS_NAMES`).
        gesture_range: (first, last) frame of the gesture motion, inclusive; (0, T - 1)
            for `no_gesture`.
        hand_mask: bool [T, H, W], where the hand is (ground truth, not sensor data).
        fps: frames per second.
        style: the render style (`training/synth/styles.py`).
    """

    rgb: np.ndarray
    depth: np.ndarray
    label: int
    gesture_range: tuple[int, int]
    hand_mask: np.ndarray = field(repr=False)
    fps: int = FPS
    style: str = "v1"

    @property
    def frames(self) -> int:
        """T, the number of frames."""
        return int(self.rgb.shape[0])

    @property
    def name(self) -> str:
        """The class name."""
        return C.CLASS_NAMES[self.label]


@dataclass
class Stream:
    """A continuous recording with several gestures.

    Attributes:
        rgb: uint8 [T, H, W, 3], RGB order.
        depth: uint16 [T, H, W], millimetres, 0 where missing.
        events: ground truth (label, first frame, last frame), in time order; every other
            frame is `no_gesture`.
        hand_mask: bool [T, H, W], where the hand is.
        fps: frames per second.
        style: the render style (`training/synth/styles.py`).
    """

    rgb: np.ndarray
    depth: np.ndarray
    events: list[tuple[int, int, int]]
    hand_mask: np.ndarray = field(repr=False)
    fps: int = FPS
    style: str = "v1"

    @property
    def frames(self) -> int:
        """T, the number of frames."""
        return int(self.rgb.shape[0])

    def frame_labels(self) -> np.ndarray:
        """Per-frame class ids, int64 [T] (0 outside events)."""
        out = np.zeros(self.frames, dtype=np.int64)
        for label, first, last in self.events:
            out[first : last + 1] = label
        return out


def check_size(size: int) -> int:
    if int(size) != size or size < 16:
        raise ValueError(f"size must be an integer of at least 16, got {size!r}")
    return int(size)


def render_clip(
    label: int,
    rng: np.random.Generator,
    size: int = DEFAULT_SIZE,
    frames: int | None = None,
) -> Clip:
    """Renders one isolated clip of a class.

    The Generator is split into independent sources (scene, motion, colour noise, depth
    noise) whose draws never depend on the label, so two classes rendered from equally
    seeded Generators share the scene, timing and hand: push and pull then have identical
    RGB, and the two flips identical depth.

    Args:
        label: class id 0..12.
        rng: random source; seed it from (seed, clip index) for reproducible datasets.
        size: frame height = width, px.
        frames: clip length T, or None for a random length in 40..90.

    Returns:
        The clip.

    Raises:
        ValueError: for an unknown label, a size below 16 or frames below 8.
    """
    label = C.check_label(label)
    size = check_size(size)
    scene_rng, motion_rng, rgb_rng, depth_rng = child_rngs(rng, 4)
    scene = sample_scene(scene_rng, size)
    track, span = clip_track(label, motion_rng, size, frames)
    rgb, depth, mask = render_frames(scene, track, rgb_rng, depth_rng)
    return Clip(rgb=rgb, depth=depth, label=label, gesture_range=span, hand_mask=mask)


def render_stream(
    rng: np.random.Generator,
    size: int = DEFAULT_SIZE,
    n_gestures: int = 8,
    labels: Sequence[int] | None = None,
    gap: tuple[int, int] = STREAM_GAP_FRAMES,
) -> Stream:
    """Renders a continuous recording: gestures separated by `no_gesture` stretches.

    One scene (background, distractors, lighting, hand) runs through the whole stream.
    Between gestures the hand rests, then glides to the next start when it is close or
    leaves the view and comes back.

    Args:
        rng: random source.
        size: frame height = width, px.
        n_gestures: number of gestures, drawn uniformly from ids 1..12 (ignored when
            `labels` is given).
        labels: the gestures to perform, in order.
        gap: inclusive range of the `no_gesture` stretch lengths, frames (>= 12).

    Returns:
        The stream with its ground-truth events.

    Raises:
        ValueError: for a no_gesture or unknown label, a bad gap or size.
    """
    size = check_size(size)
    scene_rng, motion_rng, rgb_rng, depth_rng = child_rngs(rng, 4)
    if labels is None:
        if n_gestures < 0:
            raise ValueError(f"n_gestures must be non-negative, got {n_gestures}")
        labels = [int(v) for v in motion_rng.integers(1, C.NUM_CLASSES, size=n_gestures)]
    scene = sample_scene(scene_rng, size)
    track, events = stream_track(list(labels), motion_rng, size, gap)
    rgb, depth, mask = render_frames(scene, track, rgb_rng, depth_rng)
    return Stream(rgb=rgb, depth=depth, events=events, hand_mask=mask)
