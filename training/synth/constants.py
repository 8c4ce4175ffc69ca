"""Fixed numbers of the SynthGesture-RGBD specification (`../shared/docs/synthetic-gestures.md`,
outside this repository; summary in `training/synth/README.md`)."""

from __future__ import annotations

VERSION = "1.0.0"
"""Generator version; bump it whenever the same seed would render different pixels."""
VERSION_2 = "2.1.0"
"""Version of the v2 renderer (`render_v2.py`, the styles of `styles.py`); bump it likewise."""

FPS = 30
DEFAULT_SIZE = 128

CLIP_FRAMES = (40, 90)
"""Inclusive range of a clip's length in frames (when not fixed by the caller)."""
GESTURE_FRACTION = (0.6, 0.9)
"""Share of a clip taken by the gesture motion."""
BASE_GESTURE_FRAMES = 72
"""Gesture duration at speed 1; speeds are drawn from [1, 2] (a factor of 2 between clips)."""

HAND_DEPTH_MM = (400, 900)
BACKGROUND_DEPTH_MM = (1200, 3000)
DEPTH_NOISE_MM = (3.0, 15.0)
PUSH_PULL_DELTA_MM = (150.0, 350.0)

STREAM_GAP_FRAMES = (20, 60)
"""Inclusive range of the `no_gesture` stretch between two gestures of a stream."""
