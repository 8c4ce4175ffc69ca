"""Plug the SynthGesture-RGBD generator into the service's generated-stream hook.

The service may not import `training/`, yet `gesture serve --demo-stream` and
`gesture stream --synth` need generated gestures; the CLI, which sees both sides,
registers the generator at start-up (see `service.sources.synthetic`).
"""

from __future__ import annotations

from service.sources import synthetic
from service.sources.frames import FramePair


def render_synthetic(seed: int, gestures: int) -> tuple[list[FramePair], float, list[str]]:
    """A generated stream in the look the bundled model knows (SynthGesture v2, its training
    styles): (rgb, depth) frames, fps, and the gestures' names in order.

    The generator is imported here, not at module level, so loading the CLI stays cheap.
    """
    from training.synth import CLASS_NAMES, FPS, key_rng
    from training.synth.render_v2 import render_stream_v2
    from training.synth.styles import BUNDLED_STYLES

    stream = render_stream_v2(key_rng(seed), size=128, n_gestures=gestures, styles=BUNDLED_STYLES)
    names = [CLASS_NAMES[label] for label, _, _ in stream.events]
    return list(zip(stream.rgb, stream.depth)), float(FPS), names


def register_synthetic_feed() -> None:
    """Make `render_synthetic` the service's source of generated streams."""
    synthetic.register(render_synthetic)
