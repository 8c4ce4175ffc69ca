"""SynthGesture v2 end to end: styles, the modality-specific pairs through every layer and
sensor, determinism, and the writers' `styles` option."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.support.server_utils import run_gesture
from training.synth import classes as C
from training.synth import key_rng
from training.synth.render_v2 import render_clip_v2, render_stream_v2
from training.synth.styles import V2_STYLES, check_styles, choose
from training.synth.writers.dataset import write_dataset

SIZE = 64


@pytest.mark.parametrize("style", V2_STYLES)
def test_push_and_pull_differ_only_in_depth_and_the_flips_only_in_colour(style: str) -> None:
    push = render_clip_v2(C.PUSH, key_rng(3, 1), SIZE, frames=24, styles=(style,))
    pull = render_clip_v2(C.PULL, key_rng(3, 1), SIZE, frames=24, styles=(style,))
    assert push.style == pull.style == style
    np.testing.assert_array_equal(push.rgb, pull.rgb)
    assert np.abs(push.depth.astype(int) - pull.depth.astype(int)).max() > 100
    back = render_clip_v2(C.FLIP_TO_BACK, key_rng(3, 2), SIZE, frames=24, styles=(style,))
    palm = render_clip_v2(C.FLIP_TO_PALM, key_rng(3, 2), SIZE, frames=24, styles=(style,))
    np.testing.assert_array_equal(back.depth, palm.depth)
    assert np.abs(back.rgb.astype(int) - palm.rgb.astype(int)).max() > 30


def test_a_seed_renders_the_same_clip_and_another_seed_another() -> None:
    a = render_clip_v2(C.CIRCLE_CW, key_rng(5, 0), SIZE, frames=16)
    b = render_clip_v2(C.CIRCLE_CW, key_rng(5, 0), SIZE, frames=16)
    c = render_clip_v2(C.CIRCLE_CW, key_rng(5, 1), SIZE, frames=16)
    np.testing.assert_array_equal(a.rgb, b.rgb)
    np.testing.assert_array_equal(a.depth, b.depth)
    assert not np.array_equal(a.rgb, c.rgb)
    assert a.rgb.shape == (16, SIZE, SIZE, 3) and a.rgb.dtype == np.uint8
    assert a.depth.shape == (16, SIZE, SIZE) and a.depth.dtype == np.uint16
    assert a.hand_mask.any() and (a.depth == 0).any() and (a.depth > 0).mean() > 0.5


def test_every_style_and_view_is_drawn() -> None:
    picks = {choose(key_rng(1, i), V2_STYLES) for i in range(400)}
    assert {p.style for p in picks} == set(V2_STYLES)
    assert {p.viewpoint for p in picks} >= {"facing", "overhead", "car", "headworn"}


def test_style_lists_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown style 'cartoon'"):
        check_styles(["kiosk", "cartoon"])
    with pytest.raises(ValueError, match="cannot be mixed"):
        check_styles(["v1", "kiosk"])
    with pytest.raises(ValueError, match="at least one"):
        check_styles([])


def test_a_stream_keeps_its_events_inside_the_recording() -> None:
    stream = render_stream_v2(key_rng(9, 0), SIZE, labels=[C.SWIPE_LEFT, C.OPEN_HAND], styles=("kiosk",))
    assert [e[0] for e in stream.events] == [C.SWIPE_LEFT, C.OPEN_HAND]
    assert 0 < stream.events[0][1] <= stream.events[0][2] < stream.events[1][1] <= stream.events[1][2] < stream.frames
    assert stream.rgb.shape[0] == stream.depth.shape[0] == stream.frames


def test_write_dataset_records_the_styles(tmp_path) -> None:
    summary = write_dataset(tmp_path / "d", 1, 7, size=SIZE, workers=1, progress=False, styles=("studio", "car"))
    assert summary.clips == C.NUM_CLASSES
    meta = json.loads((tmp_path / "d" / "synth.json").read_text())
    assert meta["styles"] == ["studio", "car"] and meta["version"].startswith("2.")


def test_synth_command_refuses_an_unknown_style_in_one_line(tmp_path) -> None:
    res = run_gesture("synth", "--out", tmp_path / "x", "--clips-per-class", "1", "--styles", "kiosk,nope", timeout=120)
    assert res.returncode == 2
    assert "unknown style 'nope'" in res.stderr and "Traceback" not in res.stderr


def test_streams_rest_as_long_as_asked_between_gestures(tmp_path) -> None:
    write_dataset(
        tmp_path / "d", 1, 7, size=SIZE, streams=1, stream_gestures=4, workers=1, progress=False,
        styles=("kiosk",), stream_gap=(12, 14),
    )  # fmt: skip
    meta = json.loads((tmp_path / "d" / "synth.json").read_text())
    assert meta["stream_gap"] == [12, 14]
    events = json.loads((tmp_path / "d" / "streams" / "stream_000.json").read_text())["events"]
    rests = [b["start"] - a["end"] - 1 for a, b in zip(events, events[1:])]
    assert len(rests) == 3 and all(12 <= r <= 14 for r in rests), rests
    with pytest.raises(ValueError, match="12 <= MIN <= MAX"):
        write_dataset(tmp_path / "e", 1, 7, size=SIZE, streams=1, progress=False, stream_gap=(8, 20))


def test_synth_command_refuses_a_bad_stream_gap_in_one_line(tmp_path) -> None:
    res = run_gesture("synth", "--out", tmp_path / "x", "--streams", "1", "--stream-gap", "20", timeout=120)
    assert res.returncode == 2
    assert "--stream-gap must be MIN,MAX" in res.stderr and "Traceback" not in res.stderr
