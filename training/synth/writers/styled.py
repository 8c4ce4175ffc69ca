"""The renderer a writer calls for a style list: version 1 for `("v1",)`, else version 2
drawing each recording's style from the list (`training/synth/styles.py`)."""

from __future__ import annotations

import numpy as np

from training.synth.constants import STREAM_GAP_FRAMES
from training.synth.render import Clip, Stream, render_clip, render_stream
from training.synth.styles import check_styles


def render_styled_clip(label: int, rng: np.random.Generator, size: int, styles: tuple[str, ...]) -> Clip:
    """One isolated clip of `label` in one of `styles`."""
    if check_styles(styles) == ("v1",):
        return render_clip(label, rng, size=size)
    from training.synth.render_v2 import render_clip_v2

    return render_clip_v2(label, rng, size=size, styles=styles)


def render_styled_stream(
    rng: np.random.Generator,
    size: int,
    n_gestures: int,
    styles: tuple[str, ...],
    gap: tuple[int, int] = STREAM_GAP_FRAMES,
) -> Stream:
    """One continuous stream of `n_gestures` gestures in one of `styles`, separated by
    `no_gesture` stretches of gap[0]..gap[1] frames."""
    if check_styles(styles) == ("v1",):
        return render_stream(rng, size=size, n_gestures=n_gestures, gap=gap)
    from training.synth.render_v2 import render_stream_v2

    return render_stream_v2(rng, size=size, n_gestures=n_gestures, styles=styles, gap=gap)
