"""Clips and streams in the look the bundled model was trained on, for the tests that check
its answers: SynthGesture v2 in the styles it trained on (`styles.BUNDLED_STYLES`),
drawn from seeds never used for training or tuning."""

from __future__ import annotations

from training.synth import Clip, Stream, key_rng
from training.synth.render_v2 import render_clip_v2, render_stream_v2
from training.synth.styles import BUNDLED_STYLES


def bundled_clip(label: int, seed: int, frames: int | None = None) -> Clip:
    """A clip of class `label`: rgb uint8 [T, 128, 128, 3], depth uint16 mm [T, 128, 128]."""
    return render_clip_v2(label, key_rng(seed, label), size=128, frames=frames, styles=BUNDLED_STYLES)


def bundled_stream(seed: int, labels: list[int]) -> Stream:
    """A continuous stream performing `labels` in order, `no_gesture` between them."""
    return render_stream_v2(key_rng(seed), size=128, n_gestures=len(labels), labels=labels, styles=BUNDLED_STYLES)
