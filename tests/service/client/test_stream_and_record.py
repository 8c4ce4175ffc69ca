"""The client side: the Python client library, `gesture stream` (generated gestures and
RealSense recordings, reconnecting across a server restart) and `gesture record` (takes cut
from a recording, reviewed, then trained on), against real servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import subprocess
import threading
import time

import numpy as np
import pytest

from service.client.clients import (
    GestureAPIError,
    GestureClient,
    Prediction,
    ReportedGesture,
    StreamClient,
    StreamStats,
)
from tests.support.recordings import write_recording
from tests.support.server_utils import GESTURE, ROOT, free_port, running_server
from training.synth import CLASS_NAMES, key_rng, render_clip, render_stream


@pytest.fixture(scope="module")
def tiny_model(tiny_onnx):
    return tiny_onnx


@pytest.fixture(scope="module")
def server(tiny_model):
    with running_server(tiny_model, api_key="s3cret") as url:
        yield url


@pytest.fixture(scope="module")
def stream_recording(tmp_path_factory):
    stream = render_stream(key_rng(2024), size=64, n_gestures=2, labels=[1, 2])
    path = tmp_path_factory.mktemp("rec") / "two_swipes.db3"
    return write_recording(path, stream.rgb, stream.depth), len(stream.rgb)


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_rest_client_typed_results_and_errors(server):
    with GestureClient(server, api_key="s3cret") as client:
        assert client.ready()
        assert client.model()["labels"] == list(CLASS_NAMES)
        clip = render_clip(1, key_rng(3, 1), size=64)
        result = client.classify_arrays(clip.rgb, clip.depth, top_k=3)
        assert result.label in CLASS_NAMES and len(result.top) == 3
        probabilities = [s.probability for s in result.top]
        assert probabilities == sorted(probabilities, reverse=True) and 0 < probabilities[0] <= 1
        assert result.frames == len(clip.rgb)
        with pytest.raises(GestureAPIError) as err:
            client.classify_arrays(clip.rgb, None)
        assert err.value.status == 422 and err.value.code == "missing_modality"
    with GestureClient(server) as anonymous, pytest.raises(GestureAPIError) as err:
        anonymous.model()
    assert err.value.status == 401


def test_stream_client_sends_frames_and_gets_final_stats(server):
    stream = render_stream(key_rng(77), size=64, n_gestures=1, labels=[3])

    async def run():
        async with StreamClient(server, width=64, height=64, hop=4, api_key="s3cret", decoder="segments") as client:
            assert client.labels == list(CLASS_NAMES) and client.ready["decoder"] == "segments"
            for rgb, depth in zip(stream.rgb, stream.depth):
                await client.send_frame(rgb, depth)
            return await client.stop()

    messages = asyncio.run(run())
    final = messages[-1]
    assert isinstance(final, StreamStats) and final.reason == "final"
    assert final.frames == len(stream.rgb) and final.rejected == 0
    assert all(isinstance(m, (Prediction, ReportedGesture, StreamStats)) for m in messages)


def test_gesture_stream_synth_prints_json_messages(server):
    res = subprocess.run(
        [
            *GESTURE,
            "stream",
            "--server",
            server,
            "--api-key",
            "s3cret",
            "--synth",
            "5",
            "--gestures",
            "2",
            "--fast",
            "--json",
            "--decoder",
            "segments",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    lines = _json_lines(res.stdout)
    final = [m for m in lines if m["type"] == "stats" and m["reason"] == "final"]
    assert len(final) == 1
    assert final[0]["frames"] > 60 and final[0]["windows"] > 0
    assert "generated stream:" in res.stderr
    bad = subprocess.run([*GESTURE, "stream", "--synth", "5", "--decoder", "offline"], capture_output=True, text=True)
    assert bad.returncode != 0 and "--decoder must be live or segments" in bad.stderr and "Traceback" not in bad.stderr


def test_gesture_stream_plays_a_recording(server, stream_recording):
    path, frames = stream_recording
    res = subprocess.run(
        [*GESTURE, "stream", "--server", server, "--api-key", "s3cret", "--recording", str(path), "--fast", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    final = [m for m in _json_lines(res.stdout) if m["type"] == "stats" and m["reason"] == "final"][0]
    assert 0.9 * frames <= final["frames"] <= frames  # playback may drop a first frame or two


def test_gesture_stream_wrong_key_and_unreachable_server(server):
    res = subprocess.run(
        [
            *GESTURE,
            "stream",
            "--server",
            server,
            "--api-key",
            "wrong",
            "--synth",
            "1",
            "--gestures",
            "1",
            "--fast",
            "--retries",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert res.returncode == 2 and "error" in res.stderr
    res = subprocess.run(
        [
            *GESTURE,
            "stream",
            "--server",
            f"http://127.0.0.1:{free_port()}",
            "--synth",
            "1",
            "--gestures",
            "1",
            "--retries",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert res.returncode == 2 and "cannot reach" in res.stderr


def test_gesture_stream_reconnects_after_a_server_restart(tiny_model):
    port = free_port()
    with running_server(tiny_model, port=port) as url:
        proc = subprocess.Popen(
            [*GESTURE, "stream", "--server", url, "--synth", "9", "--gestures", "4", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        # The first JSON line (a window's prediction) comes once the stream is rendered and
        # flowing; the paced stream (30 fps) then runs for several more seconds.
        first = []
        reader = threading.Thread(target=lambda: first.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout=120)
        assert first and first[0].startswith("{"), first
        time.sleep(2)
    with running_server(tiny_model, port=port):  # the same address comes back
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "reconnecting" in err
    finals = [m for m in _json_lines(out) if m["type"] == "stats" and m["reason"] == "final"]
    assert finals and finals[-1]["frames"] > 0  # the second connection streamed to the end


def test_gesture_record_from_a_recording_review_and_train(stream_recording, tmp_path):
    path, frames = stream_recording
    out = tmp_path / "mine"
    res = subprocess.run(
        [
            *GESTURE,
            "record",
            "--out",
            str(out),
            "--labels",
            "wave,point",
            "--count",
            "3",
            "--seconds",
            "0.4",
            "--recording",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    assert (out / "labels.txt").read_text().split() == ["wave", "point"]
    clips = sorted(p.name for p in (out / "clips").iterdir())
    assert clips == ["point_0001", "point_0002", "point_0003", "wave_0001", "wave_0002", "wave_0003"]
    meta = json.loads((out / "clips" / "wave_0001" / "meta.json").read_text())
    assert meta["label"] == "wave" and meta["frames"] == 12 and meta["fps"] == 30
    depth = __import__("cv2").imread(str(out / "clips" / "wave_0001" / "depth" / "000000.png"), -1)
    assert depth.dtype == np.uint16 and depth.max() > 300  # millimetres kept

    res = subprocess.run(
        [*GESTURE, "record", "--out", str(out), "--review", "--delete", "point_0003"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert res.returncode == 0 and "deleted point_0003" in res.stdout + res.stderr, res.stdout + res.stderr
    assert not (out / "clips" / "point_0003").exists()
    res = subprocess.run(
        [*GESTURE, "record", "--out", str(out), "--review", "--delete", "../labels.txt"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert res.returncode == 2 and (out / "labels.txt").is_file()

    run = tmp_path / "run"
    res = subprocess.run(
        [
            *GESTURE,
            "train",
            str(ROOT / "training" / "configs" / "synth-lite-depth.yaml"),
            "profile=tiny",
            f"data.root={out}",
            f"out={run}",
            "augment.resize=40",
            "optim.epochs=1",
            "optim.batch_size=2",
            "data.num_workers=0",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert (run / "best.pt").is_file()
    assert (run / "labels.txt").read_text().split() == ["wave", "point"]


def test_a_stream_the_server_fell_behind_on_ends_with_what_that_means():
    from service.client import StreamStats
    from service.client.stream_command import overload_note

    stats = dict(reason="final", frames=400, rejected=0, windows=20, events=1, dropped_messages=0)
    stats.update(latency_ms_p50=30.0, queue_depth=0)
    assert overload_note(StreamStats(**stats, shed=0, skipped=0)) is None
    note = overload_note(StreamStats(**stats, shed=12, skipped=130))
    assert note is not None and "could not keep up" in note and "130 of 150 windows" in note and "12 frames" in note
    assert "without --fast" in note
