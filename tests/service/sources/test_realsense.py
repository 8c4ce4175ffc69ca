"""RealSense input through the real pyrealsense2 pipeline: the real D435 recording and SR305
depth frames of ../shared/data/real, and recordings written in the tests without a camera
(software device + recorder) from generated gestures, played back with alignment and depth
units; then uploaded to a real server."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
import pytest

from service.sources.realsense import RealSenseError, RealSenseSource, read_recording
from tests.support.recordings import write_recording
from tests.support.server_utils import ROOT, running_server
from training.data.frame_io import read_image
from training.synth import CLASS_NAMES, key_rng, render_clip

REAL = ROOT.parent / "shared" / "data" / "real"
D435_BAG = REAL / "realsense-d435" / "single_depth_color_640x480.bag"
SR305 = REAL / "sr305-hand-depth"
SR305_UNIT_MM = 0.125


@pytest.fixture(scope="module")
def synth_recording(tmp_path_factory) -> tuple[Path, np.ndarray, np.ndarray]:
    clip = render_clip(3, key_rng(31337, 3), size=96)
    path = write_recording(tmp_path_factory.mktemp("rec") / "swipe_up.db3", clip.rgb, clip.depth)
    return path, clip.rgb, clip.depth


def test_real_d435_bag_decodes_with_millimetre_depth():
    rgb, depth, fps = read_recording(D435_BAG, max_frames=100)
    assert rgb.shape == (1, 480, 640, 3) and rgb.dtype == np.uint8
    assert depth.shape == (1, 480, 640) and depth.dtype == np.uint16
    assert fps == 6.0
    valid = depth[depth > 0]
    assert valid.size > 0.3 * depth.size  # aligned depth covers most of the office scene
    # an office seen by a D435: surfaces between a few decimetres and a few metres
    assert 200 < np.median(valid) < 5000 and valid.max() < 10000
    assert 20 < rgb.mean() < 235 and rgb.std() > 10  # a real picture, not a blank frame


@pytest.mark.parametrize("sequence", ["open_palm", "non_gesture"])
def test_real_sr305_depth_frames_decode_in_range(sequence):
    files = sorted((SR305 / sequence).glob("*.png"), key=lambda p: int(p.stem))
    assert len(files) >= 8
    for path in files:
        raw = read_image(path, colour=False)
        assert raw.shape == (480, 640) and raw.dtype == np.uint16
        mm = raw.astype(np.float64) * SR305_UNIT_MM
        hand = mm[mm > 0]
        assert hand.size > 500  # the hand (background removed)
        assert hand.max() <= 1500 + 1  # the SR305's range
        assert 150 < np.median(hand) < 1200


def test_recording_written_without_a_camera_plays_back_aligned(synth_recording):
    path, rgb, depth = synth_recording
    with RealSenseSource(recording=path) as source:
        frames = list(source.frames())
        assert source.stream_fps == 30.0
    assert len(frames) >= 0.9 * len(rgb)  # playback may drop a frame or two
    # match each played frame to its source frame by timestamp (t * 1000 / 30 ms)
    index = [round(f.timestamp_ms * 30 / 1000) for f in frames]
    assert index == sorted(set(index)) and index[-1] == len(rgb) - 1
    got_rgb = np.stack([f.rgb for f in frames])
    got_depth = np.stack([f.depth_mm for f in frames])
    assert np.array_equal(got_rgb, rgb[index])
    # aligned to colour with identical intrinsics and identity extrinsics: the same image,
    # up to pixels at depth edges that alignment's re-projection moves by one
    want = depth[index]
    same = np.abs(got_depth.astype(int) - want.astype(int)) <= 1
    assert same.mean() > 0.8
    assert abs(got_depth[got_depth > 0].mean() / want[want > 0].mean() - 1) < 0.03
    assert got_depth.dtype == np.uint16 and np.median(got_depth[got_depth > 0]) > 300  # millimetres


def test_max_frames_limit_and_bad_files(synth_recording, tmp_path):
    path, rgb, _ = synth_recording
    with pytest.raises(RealSenseError, match="limit of 5 frames"):
        read_recording(path, max_frames=5)
    with pytest.raises(RealSenseError, match="not found"):
        read_recording(tmp_path / "missing.db3", max_frames=10)
    garbage = tmp_path / "garbage.bag"
    garbage.write_bytes(np.random.default_rng(0).bytes(4000))
    with pytest.raises(RealSenseError, match="cannot open"):
        read_recording(garbage, max_frames=10)
    wrong = tmp_path / "clip.mp4"
    wrong.write_bytes(b"x")
    with pytest.raises(RealSenseError, match=r"\.bag or \.db3"):
        read_recording(wrong, max_frames=10)


@pytest.fixture(scope="module")
def servers(tiny_onnx, tiny_depth_onnx):
    with running_server(tiny_onnx, max_frames=400) as url_rgbd, running_server(tiny_depth_onnx) as url_depth:
        yield url_rgbd, url_depth


def _upload(url: str, name: str, data: bytes) -> httpx.Response:
    return httpx.post(f"{url}/v1/classify", files={"clip": (name, data)}, timeout=120)


def test_rest_classifies_the_real_and_generated_recordings(servers, synth_recording):
    url, _ = servers
    for path in (D435_BAG, synth_recording[0]):
        res = _upload(url, path.name, path.read_bytes())
        assert res.status_code == 200, res.text
        body = res.json()
        assert body["label"] in CLASS_NAMES
        assert body["frames"] >= 1


def test_rest_classifies_the_real_sr305_depth_frames(servers):
    _, url = servers
    files = sorted((SR305 / "open_palm").glob("*.png"), key=lambda p: int(p.stem))
    depth_mm = np.stack([(read_image(p, colour=False) // 8).astype(np.uint16) for p in files])
    buf = io.BytesIO()
    np.savez(buf, depth=depth_mm)
    res = _upload(url, "sr305.npz", buf.getvalue())
    assert res.status_code == 200, res.text
    assert res.json()["frames"] == len(files)


def test_rest_rejects_broken_recordings_with_json(servers, synth_recording):
    url, _ = servers
    data = synth_recording[0].read_bytes()
    for name, payload in (
        ("garbage.bag", np.random.default_rng(1).bytes(3000)),
        ("truncated.db3", data[: len(data) // 3]),
        ("empty.db3", b""),
    ):
        res = _upload(url, name, payload)
        assert res.status_code == 422, (name, res.text)
        body = res.json()
        assert body["error"] == "undecodable_input" and "RealSense recording" in body["detail"]
        assert "/tmp" not in body["detail"]  # no server paths in errors
    assert httpx.get(f"{url}/readyz").status_code == 200  # still serving
