"""The service end to end: a real uvicorn server on 127.0.0.1, real HTTP and WebSocket clients,
a real onnxruntime session (a tiny RGB-D model), and bad input of every kind."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading

import cv2
import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from service.sources.frame_codec import encode_depth_payload, encode_rgb_payload, pack_frame
from tests.support.server_utils import ROOT, running_server
from tests.support.stream_helpers import drain, frames_of, start_stream
from training.synth import CLASS_NAMES, key_rng, render_clip, render_stream


@pytest.fixture(scope="module")
def tiny_model(tiny_onnx):
    return tiny_onnx


@pytest.fixture(scope="module")
def server(tiny_model):
    with running_server(tiny_model, max_upload_bytes=3_000_000, max_frames=400) as url:
        yield url


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _clip(label: int = 1, size: int = 64, frames: int | None = None):
    return render_clip(label, key_rng(5, label), size=size, frames=frames)


def _video(frames: np.ndarray, path) -> bytes:
    h, w = frames.shape[1:3]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (w, h))
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR) if f.ndim == 3 else cv2.cvtColor(f, cv2.COLOR_GRAY2BGR))
    writer.release()
    return path.read_bytes()


def test_health_ready_and_model_metadata(server):
    assert httpx.get(f"{server}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server}/readyz").json()["status"] == "ready"
    model = httpx.get(f"{server}/v1/models").json()["models"][0]
    assert model["labels"] == list(CLASS_NAMES)
    assert model["modalities"] == ["rgb", "depth"] and model["stream_window"] == 12
    assert "CPUExecutionProvider" in model["providers"]


def test_classify_npz_clip(server):
    clip = _clip(frames=10)
    r = httpx.post(f"{server}/v1/classify?top_k=3", files={"clip": ("c.npz", _npz(rgb=clip.rgb, depth=clip.depth))})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["frames"] == 10 and len(body["top"]) == 3
    assert body["label"] == body["top"][0]["label"] in CLASS_NAMES
    assert abs(sum(t["probability"] for t in body["top"])) <= 1.0001
    assert body["timeline"] == []  # 10 frames: not longer than the 12-frame streaming window


def test_classify_long_clip_has_timeline(server):
    clip = _clip(frames=40)
    r = httpx.post(f"{server}/v1/classify?hop=4", files={"clip": ("c.npz", _npz(rgb=clip.rgb, depth=clip.depth))})
    assert r.status_code == 200, r.text
    timeline = r.json()["timeline"]
    assert [w["end_frame"] for w in timeline] == list(range(11, 40, 4))
    assert all(w["end_frame"] - w["start_frame"] == 11 for w in timeline)


def test_classify_video_pair(server, tmp_path):
    clip = _clip(frames=12)
    grey = (255 - np.clip(clip.depth // 12, 0, 255)).astype(np.uint8)
    files = {
        "rgb": ("rgb.avi", _video(clip.rgb, tmp_path / "rgb.avi")),
        "depth": ("depth.avi", _video(grey, tmp_path / "depth.avi")),
    }
    r = httpx.post(f"{server}/v1/classify", files=files)
    assert r.status_code == 200, r.text
    assert r.json()["frames"] == 12
    assert len(r.json()["top"]) == 5  # GESTURE_TOP_K's default


@pytest.mark.parametrize(
    ("files", "status", "error"),
    [
        ({"clip": ("c.npz", b"\x00garbage" * 50)}, 422, "undecodable_input"),
        (
            {"clip": ("c.npz", _npz(rgb=np.zeros((5, 32, 32, 3), np.uint8), depth=np.zeros((6, 32, 32), np.uint16)))},
            422,
            "invalid_clip",
        ),
        (
            {"clip": ("c.npz", _npz(rgb=np.zeros((5, 32, 32, 3), np.uint8), depth=np.zeros((5, 30, 32), np.uint16)))},
            422,
            "invalid_clip",
        ),
        ({"clip": ("c.npz", _npz(rgb=np.zeros((5, 32, 32, 3), np.uint8)))}, 422, "missing_modality"),
        (
            {"clip": ("c.npz", _npz(rgb=np.zeros((5, 32, 32, 3), np.float32), depth=np.zeros((5, 32, 32), np.uint16)))},
            422,
            "invalid_clip",
        ),
        (
            {"clip": ("c.npz", _npz(rgb=np.zeros((500, 8, 8, 3), np.uint8), depth=np.zeros((500, 8, 8), np.uint16)))},
            422,
            "invalid_clip",
        ),
        ({"rgb": ("rgb.avi", b"not a video")}, 422, "undecodable_input"),
        ({"clip": ("r.bag", b"rosbag")}, 422, "undecodable_input"),  # not a playable recording
        ({"other": ("x.bin", b"123")}, 422, "invalid_clip"),
    ],
)
def test_bad_uploads_get_a_4xx_with_a_json_reason(server, files, status, error):
    r = httpx.post(f"{server}/v1/classify", files=files)
    assert r.status_code == status, r.text
    assert r.json()["error"] == error and r.json()["detail"]


def test_truncated_npz(server):
    clip = _clip(frames=8)
    data = _npz(rgb=clip.rgb, depth=clip.depth)
    r = httpx.post(f"{server}/v1/classify", files={"clip": ("c.npz", data[: len(data) // 2])})
    assert r.status_code == 422 and r.json()["error"] == "undecodable_input"


def test_oversize_upload_is_refused_while_reading(server):
    big = b"\x00" * 4_000_000
    r = httpx.post(f"{server}/v1/classify", files={"clip": ("c.npz", big)})
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"

    def chunks():  # no Content-Length: the limit must trip while streaming
        yield (
            b'--xyz\r\nContent-Disposition: form-data; name="clip"; filename="c.npz"\r\n'
            b"Content-Type: application/octet-stream\r\n\r\n"
        )
        for _ in range(40):
            yield b"\x00" * 100_000

    r = httpx.post(
        f"{server}/v1/classify", content=chunks(), headers={"content-type": "multipart/form-data; boundary=xyz"}
    )
    assert r.status_code == 413


def test_not_multipart(server):
    r = httpx.post(f"{server}/v1/classify", content=b"{}", headers={"content-type": "application/json"})
    assert r.status_code == 415 and r.json()["error"] == "unsupported_media"


def test_websocket_stream_predicts_every_hop(server):
    stream = render_stream(key_rng(3), size=64, n_gestures=2)
    n = 40
    ws_url = server.replace("http", "ws") + "/v1/stream"
    with connect(ws_url, max_size=None, max_queue=None) as ws:
        ready = start_stream(ws, 64, 64)
        assert ready["window"] == 12 and ready["labels"] == list(CLASS_NAMES)
        for msg in frames_of(stream.rgb[:n], stream.depth[:n]):
            ws.send(msg)
        ws.send(json.dumps({"type": "stop"}))
        msgs = drain(ws)
    predictions = [m for m in msgs if m["type"] == "prediction"]
    stats = msgs[-1]
    assert stats["frames"] == n and stats["rejected"] == 0
    assert stats["windows"] + stats["skipped"] == len(range(11, n, 4))
    assert len(predictions) == stats["windows"] >= 1
    assert all(p["end_frame"] - p["start_frame"] == 11 for p in predictions)


def test_bad_frames_are_reported_and_a_second_stream_is_undisturbed(server):
    stream = render_stream(key_rng(4), size=48, n_gestures=2)
    frames = frames_of(stream.rgb[:32], stream.depth[:32])
    ws_url = server.replace("http", "ws") + "/v1/stream"
    results: dict[str, list] = {}

    def good_stream():
        with connect(ws_url, max_size=None, max_queue=None) as ws:
            start_stream(ws, 48, 48)
            for msg in frames:
                ws.send(msg)
            ws.send(json.dumps({"type": "stop"}))
            results["good"] = drain(ws)

    thread = threading.Thread(target=good_stream)
    thread.start()
    with connect(ws_url, max_size=None, max_queue=None) as ws:
        start_stream(ws, 48, 48)
        ws.send(b"garbage")  # malformed header
        ws.send(frames[5])
        ws.send(frames[3])  # out of order
        ws.send(pack_frame(9, 0.3, b"\xff\xd8 not a jpeg", b"x"))  # undecodable
        wrong = cv2.resize(stream.rgb[0], (32, 32))
        ws.send(pack_frame(10, 0.33, encode_rgb_payload(wrong, "jpeg"), encode_depth_payload(stream.depth[0], "png16")))
        ws.send(pack_frame(11, 0.36, encode_rgb_payload(stream.rgb[0], "jpeg"), b""))  # missing depth
        ws.send(json.dumps({"type": "stats"}))
        msgs = drain(ws, "requested")
        errors = [m["error"] for m in msgs if m["type"] == "error"]
        assert errors == ["malformed_frame", "out_of_order", "undecodable", "wrong_size", "missing_modality"]
        assert msgs[-1]["rejected"] == 5 and msgs[-1]["frames"] == 6
        ws.send(frames[12])  # the stream is still alive
        ws.send(json.dumps({"type": "stats"}))
        assert drain(ws, "requested")[-1]["frames"] == 7
    thread.join(timeout=120)
    good = results["good"]
    assert not [m for m in good if m["type"] == "error"]
    assert good[-1]["frames"] == 32 and good[-1]["windows"] >= 1


def test_protocol_violations_close_the_connection(server):
    ws_url = server.replace("http", "ws") + "/v1/stream"
    for first in (
        b"binary first",
        "not json",
        json.dumps({"type": "start", "width": 64, "height": 64, "modalities": ["rgb"]}),
    ):
        with connect(ws_url) as ws:
            ws.send(first)
            msg = json.loads(ws.recv(timeout=30))
            assert msg["type"] == "error" and msg["error"] == "protocol_violation"
            with pytest.raises(ConnectionClosed):
                while True:
                    ws.recv(timeout=30)
            assert ws.close_code == 1008


def test_metrics_count_requests_and_frames(server):
    text = httpx.get(f"{server}/metrics").text
    assert 'gesture_requests_total{method="POST",route="/v1/classify",status="200"}' in text
    assert "gesture_frames_received_total" in text and "gesture_inference_duration_seconds_bucket" in text
    assert "gesture_model_info" in text


def test_api_key_is_enforced(tiny_model):
    with running_server(tiny_model, api_key="s3cret") as url:
        clip = _clip(frames=8)
        files = {"clip": ("c.npz", _npz(rgb=clip.rgb, depth=clip.depth))}
        assert httpx.post(f"{url}/v1/classify", files=files).status_code == 401
        assert httpx.post(f"{url}/v1/classify", files=files, headers={"X-API-Key": "s3cret"}).status_code == 200
        assert httpx.get(f"{url}/healthz").status_code == 200
        with connect(url.replace("http", "ws") + "/v1/stream") as ws:
            assert json.loads(ws.recv(timeout=30))["error"] == "unauthorized"
        with connect(url.replace("http", "ws") + "/v1/stream?api_key=s3cret") as ws:
            start_stream(ws, 32, 32)


def test_service_never_imports_torch():
    # every module of the service package, imported for real
    code = (
        "import importlib, pkgutil, sys, service; "
        "names = [m.name for m in pkgutil.walk_packages(service.__path__, 'service.')]; "
        "[importlib.import_module(n) for n in names]; "
        "assert len(names) > 20, names; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'model', 'training')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
