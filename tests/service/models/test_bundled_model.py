"""The bundled default model on generated clips in the look it was trained on (SynthGesture
v2, styles kiosk/desk/car; seeds never used for training or tuning): through `gesture
classify`, `gesture evaluate` on an .npz folder with labels.csv, online recognition on a
continuous stream, and RealSense recordings of such clips. The floors sit well below the
measured held-out numbers of BENCHMARKS.md ("Transfer") and far above chance (7.7 %)."""

from __future__ import annotations

import json
import subprocess
import time

import numpy as np
import pytest

from service.settings import default_model_path
from tests.support.bundled import bundled_clip, bundled_stream
from tests.support.server_utils import GESTURE, ROOT
from training.synth import CLASS_NAMES, write_npz_clips
from training.synth.styles import BUNDLED_STYLES

pytestmark = pytest.mark.skipif(not default_model_path().is_file(), reason="bundled model not built")

# Floors under the measured in-domain numbers (BENCHMARKS.md, "Transfer": 85.6-90.4 % clip
# top-1 and 67-71 % stream accuracy on the kiosk, desk and car sets), leaving room for the
# sampling noise of a few clips, yet far above what a broken model gets (7.7 % by chance).
CLASSIFY_RIGHT = 3  # of 6 clips
CLIPS_TOP1 = 0.5  # 26 clips
STREAM_ACCURACY = 0.25  # 4 gestures
RECORDINGS_RIGHT = 2  # of 3
RECORDING_GESTURES_FOUND = 2  # of 3, in order
RECORDING_EVENTS_AT_MOST = 9  # 3 per gesture: a detector firing on every window gives dozens


def test_bundled_model_metadata():
    from service.inference.model_card import read_model_card

    card, _ = read_model_card(str(default_model_path()))
    assert card.labels == list(CLASS_NAMES)
    assert card.modalities == ["rgb", "depth"] and card.profile == "lite"
    assert default_model_path().stat().st_size < 20 * 1024 * 1024


def test_classify_cli_gives_the_right_label_on_generated_clips(tmp_path):
    right = 0
    labels = [1, 5, 6, 7, 11, 12]  # swipe, the depth-only pair, a circle, the RGB-only pair
    for label in labels:
        clip = bundled_clip(label, 90210)
        path = tmp_path / f"{label}.npz"
        np.savez(path, rgb=clip.rgb, depth=clip.depth)
        res = subprocess.run(
            [*GESTURE, "classify", str(path), "--json"], capture_output=True, text=True, timeout=300, cwd=ROOT
        )
        assert res.returncode == 0, res.stderr
        right += json.loads(res.stdout)["label"] == CLASS_NAMES[label]
    assert right >= CLASSIFY_RIGHT, right


def test_evaluate_npz_folder_with_labels_csv(tmp_path):
    write_npz_clips(
        tmp_path / "clips", clips_per_class=2, seed=424242, size=128, workers=1, progress=False, styles=BUNDLED_STYLES
    )
    res = subprocess.run(
        [*GESTURE, "evaluate", "--data", str(tmp_path / "clips"), "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["count"] == 2 * len(CLASS_NAMES)
    assert report["top1"] >= CLIPS_TOP1, report["top1"]


@pytest.mark.parametrize("decoder", ["live", "segments"])
def test_websocket_stream_of_generated_gestures_emits_events(tmp_path, decoder):
    from websockets.sync.client import connect

    from service.sources.frame_codec import encode_depth_payload, encode_rgb_payload, pack_frame
    from service.streaming.events import levenshtein_accuracy
    from tests.support.server_utils import running_server

    stream = bundled_stream(31337, [1, 2, 5, 7])
    truth = [label for label, _, _ in stream.events]
    with (
        running_server(default_model_path()) as url,
        connect(url.replace("http", "ws") + "/v1/stream", max_queue=None) as ws,
    ):
        start = {"type": "start", "width": 128, "height": 128, "fps": 30, "hop": 4, "decoder": decoder}
        ws.send(json.dumps(start))
        ready = json.loads(ws.recv(timeout=60))
        assert ready["type"] == "ready" and ready["decoder"] == decoder
        started = time.perf_counter()
        for i, (rgb, depth) in enumerate(zip(stream.rgb, stream.depth)):
            # Paced at 30 fps like a camera: the server skips windows it cannot keep up with.
            time.sleep(max(0.0, started + i / 30 - time.perf_counter()))
            ws.send(pack_frame(i, i / 30, encode_rgb_payload(rgb, "jpeg"), encode_depth_payload(depth, "png16")))
        ws.send(json.dumps({"type": "stop"}))
        messages = []
        while True:
            msg = json.loads(ws.recv(timeout=120))
            messages.append(msg)
            if msg["type"] == "stats" and msg["reason"] == "final":
                break
    events = [m["label_id"] for m in messages if m["type"] == "gesture"]
    stats = messages[-1]
    assert stats["frames"] == len(stream.rgb) and stats["rejected"] == 0
    assert stats["windows"] > 0 and events
    assert levenshtein_accuracy(truth, events) >= STREAM_ACCURACY, (truth, events)
    if decoder == "segments":  # a segment fires once its run of gesture windows has ended
        for g in (m for m in messages if m["type"] == "gesture"):
            assert g["start_frame"] <= g["end_frame"] < g["fired_at_frame"], g


@pytest.fixture(scope="module")
def gesture_recordings(tmp_path_factory):
    """RealSense recordings (.db3, written without a camera) of generated gestures."""
    from tests.support.recordings import write_recording

    folder = tmp_path_factory.mktemp("recordings")
    out = {}
    for label in (2, 6, 11):  # a swipe, the depth-only pull, the RGB-only flip
        clip = bundled_clip(label, 8080)
        out[label] = write_recording(folder / f"{CLASS_NAMES[label]}.db3", clip.rgb, clip.depth)
    return out


def test_recordings_classify_right_through_cli_and_rest(gesture_recordings):
    import httpx

    from tests.support.server_utils import running_server

    cli, rest = {}, {}
    for label, path in gesture_recordings.items():
        res = subprocess.run(
            [*GESTURE, "classify", str(path), "--json"], capture_output=True, text=True, timeout=300, cwd=ROOT
        )
        assert res.returncode == 0, res.stderr
        cli[label] = json.loads(res.stdout)["label"]
    with running_server(default_model_path()) as url:
        for label, path in gesture_recordings.items():
            res = httpx.post(f"{url}/v1/classify", files={"clip": (path.name, path.read_bytes())}, timeout=120)
            assert res.status_code == 200, res.text
            rest[label] = res.json()["label"]
    # Playback may drop a frame or two (tests/support/recordings.py), so the two answers on
    # one recording need not agree on a clip the model is unsure of; each must be right on
    # most of the recordings.
    for answers in (cli, rest):
        assert sum(answers[label] == CLASS_NAMES[label] for label in answers) >= RECORDINGS_RIGHT, (cli, rest)


def test_gesture_stream_of_a_recording_reports_its_gestures(tmp_path):
    from tests.support.recordings import write_recording
    from tests.support.server_utils import running_server

    stream = bundled_stream(4711, [2, 5, 8])
    path = write_recording(tmp_path / "three.db3", stream.rgb, stream.depth)
    with running_server(default_model_path()) as url:
        res = subprocess.run(
            [*GESTURE, "stream", "--recording", str(path), "--server", url, "--json"],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
    assert res.returncode == 0, res.stderr
    messages = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    events = [m["label"] for m in messages if m["type"] == "gesture"]
    # The gestures are reported, in order; the extra events the bundled model fires between
    # gestures (stage 4, bundled before, fired 3 extra here; BENCHMARKS.md "Transfer") are
    # bounded, and the Levenshtein accuracy that counts them is the benchmark's to report.
    assert _in_order(["swipe_right", "push", "circle_ccw"], events) >= RECORDING_GESTURES_FOUND, events
    assert len(events) <= RECORDING_EVENTS_AT_MOST, events


def _in_order(truth: list[str], events: list[str]) -> int:
    """How many of `truth` appear in `events` in the same order (longest common subsequence)."""
    table = [[0] * (len(events) + 1) for _ in range(len(truth) + 1)]
    for i, t in enumerate(truth):
        for j, e in enumerate(events):
            table[i + 1][j + 1] = table[i][j] + 1 if t == e else max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]


def test_in_order_counts_the_gestures_found_in_sequence():
    assert _in_order(["a", "b", "c"], ["a", "x", "b", "y", "c", "a"]) == 3
    assert _in_order(["a", "b", "c"], ["c", "b", "a"]) == 1
    assert _in_order(["a", "b"], []) == 0
