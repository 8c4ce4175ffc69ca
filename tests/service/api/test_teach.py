"""The Teach API on a real server whose camera is a RealSense recording: takes recorded from
the feed in the recorder layout, reviewed and deleted; `gesture adapt` runs in a child
process that fails with its reason or is cancelled; the switch to another model without a
restart, behind the API key, with a stream already open finishing on the old model. (A
whole adapt run, progress and switch included, is driven through the page in
test_teach_page.py.)"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from tests.support.bundled import bundled_stream
from tests.support.server_utils import running_server
from tests.support.stream_helpers import drain, frames_of, start_stream

KEY = "teach-key"
AUTH = {"X-API-Key": KEY}


@pytest.fixture(scope="module")
def camera_recording(tmp_path_factory) -> Path:
    from tests.support.recordings import write_recording

    stream = bundled_stream(808, [2, 5])
    return write_recording(tmp_path_factory.mktemp("camera") / "camera.db3", stream.rgb, stream.depth)


@pytest.fixture(scope="module")
def server(tmp_path_factory, staged_tiny, camera_recording):
    teach_dir = tmp_path_factory.mktemp("teach")
    with running_server(staged_tiny, camera_recording=camera_recording, teach_dir=teach_dir, api_key=KEY) as url:
        yield url, teach_dir


def _take(url: str, label: str, seconds: float = 0.5) -> httpx.Response:
    return httpx.post(f"{url}/v1/teach/takes", json={"label": label, "seconds": seconds}, headers=AUTH, timeout=60)


def test_takes_are_recorded_from_the_camera_reviewed_and_deleted(server):
    from training.data.recorder import recorder_dataset

    url, teach_dir = server
    made = [_take(url, label) for label in ("wave", "wave", "clap")]
    assert [r.status_code for r in made] == [201, 201, 201], [r.text for r in made]
    assert made[0].json()["frames"] == 15  # 0.5 s of a 30 fps camera
    overview = httpx.get(f"{url}/v1/teach", headers=AUTH).json()
    assert overview["feed"]["name"] == "camera" and overview["labels"] == ["wave", "clap"]
    assert overview["counts"] == {"wave": 2, "clap": 1}

    clip = recorder_dataset(teach_dir).load(0)  # what the training readers (and adapt) see
    assert clip.rgb.shape == (15, 128, 128, 3) and clip.depth.shape == (15, 128, 128)
    assert clip.depth.dtype == np.uint16 and clip.depth.max() > 0

    preview = httpx.get(f"{url}/v1/teach/takes/{made[0].json()['clip_id']}/preview", headers=AUTH)
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/jpeg"
    assert preview.content[:2] == b"\xff\xd8"

    clap = made[2].json()["clip_id"]
    assert httpx.delete(f"{url}/v1/teach/takes/{clap}", headers=AUTH).json() == {"deleted": clap}
    again = httpx.delete(f"{url}/v1/teach/takes/{clap}", headers=AUTH)
    assert again.status_code == 404 and again.json()["error"] == "not_found"
    overview = httpx.get(f"{url}/v1/teach", headers=AUTH).json()
    assert overview["labels"] == ["wave"] and (teach_dir / "labels.txt").read_text() == "wave\n"


@pytest.mark.parametrize(
    "body, status, words",
    [
        ({"label": "../evil"}, 422, "label '../evil'"),
        ({"label": "wave", "seconds": 60}, 422, "seconds"),
        ({"label": "wave", "seconds": "abc"}, 422, "seconds"),
        ({"label": "wave", "extra": 1}, 422, "extra"),
        ({}, 422, "label"),
    ],
)
def test_bad_take_requests_are_refused_with_a_json_reason(server, body, status, words):
    url, _ = server
    res = httpx.post(f"{url}/v1/teach/takes", json=body, headers=AUTH, timeout=30)
    assert res.status_code == status and words in res.json()["detail"], res.text


def test_teach_routes_need_the_key(server):
    url, _ = server
    assert httpx.get(f"{url}/v1/teach").status_code == 401
    assert httpx.post(f"{url}/v1/teach/takes", json={"label": "wave"}).status_code == 401
    assert httpx.post(f"{url}/v1/models/switch", json={"name": "x.onnx"}).status_code == 401


def test_adapt_needs_two_takes_of_two_gestures(server):
    url, _ = server
    res = httpx.post(f"{url}/v1/teach/adapt", json={"minutes": 1}, headers=AUTH)
    assert res.status_code == 409 and "two" in res.json()["detail"], res.text


def _stream_labels(url: str, rgb: np.ndarray, depth: np.ndarray, during=None) -> list[str]:  # noqa: ANN001
    """Stream the frames to /v1/stream and return the top label of every prediction; with
    `during`, it runs (blocking) after the first prediction, before the rest is sent."""
    from websockets.sync.client import connect

    frames = frames_of(rgb, depth)
    first = 24 if during is not None else len(frames)
    with connect(f"{url.replace('http', 'ws')}/v1/stream?api_key={KEY}") as ws:
        start_stream(ws, *rgb.shape[1:3])
        for f in frames[:first]:
            ws.send(f)
        messages = []
        if during is not None:
            # Even when the burst outruns the model, its last due window is held and classified.
            while not any(m["type"] == "prediction" for m in messages):
                messages.append(json.loads(ws.recv(timeout=60)))
            during()
            for f in frames[first:]:
                ws.send(f)
        ws.send(json.dumps({"type": "stop"}))
        messages += drain(ws)
    return [m["top"][0]["label"] for m in messages if m["type"] == "prediction"]


def _wait_job(url: str, until, timeout: float = 120) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{url}/v1/teach/adapt", headers=AUTH).json()
        if until(job):
            return job
        time.sleep(0.3)
    raise AssertionError(f"adapt run not as expected after {timeout} s: {job}")


def test_an_adapt_run_that_fails_says_why_and_one_can_be_cancelled(server):
    url, teach_dir = server
    for label in ("wave", "wave", "clap", "clap"):
        assert _take(url, label).status_code == 201
    labels = teach_dir / "labels.txt"
    kept = labels.read_text()
    labels.write_text(kept + "ghost\n")  # a gesture without takes: adapt itself refuses it
    try:
        assert httpx.post(f"{url}/v1/teach/adapt", json={"minutes": 5}, headers=AUTH).status_code == 202
        job = _wait_job(url, lambda j: j["state"] != "running")
    finally:
        labels.write_text(kept)
    assert job["state"] == "failed" and "'ghost'" in job["error"] and "Traceback" not in job["error"], job

    started = httpx.post(f"{url}/v1/teach/adapt", json={"minutes": 5}, headers=AUTH)
    assert started.status_code == 202, started.text
    assert httpx.post(f"{url}/v1/teach/adapt", json={"minutes": 5}, headers=AUTH).status_code == 409
    assert _take(url, "wave").status_code == 409  # the takes are being read
    _wait_job(url, lambda j: j["stage"] != "starting" or j["state"] != "running")
    cancelled = httpx.delete(f"{url}/v1/teach/adapt", headers=AUTH).json()
    assert cancelled["state"] == "cancelled", cancelled
    assert not (teach_dir / "models" / cancelled["model"]).exists()
    assert cancelled["model"] not in httpx.get(f"{url}/v1/teach", headers=AUTH).json()["models"]
    assert httpx.delete(f"{url}/v1/teach/adapt", headers=AUTH).status_code == 409  # nothing to cancel


def _relabelled_copy(model: Path, folder: Path, labels: list[str]) -> Path:
    """Another model for the switch: `model` and its stages with other label names."""
    import onnx

    folder.mkdir(parents=True, exist_ok=True)
    for suffix in (".onnx", ".frame.onnx", ".window.onnx"):
        proto = onnx.load(str(model.with_suffix("").with_suffix(suffix)))
        for entry in proto.metadata_props:
            if entry.key == "labels":
                entry.value = json.dumps(labels)
        onnx.save(proto, str(folder / f"renamed{suffix}"))
    return folder / "renamed.onnx"


def test_switch_models_without_a_restart_while_a_stream_runs(server, staged_tiny):
    url, teach_dir = server
    old_labels = httpx.get(f"{url}/v1/models", headers=AUTH).json()["models"][0]["labels"]
    new_labels = [f"renamed_{i}" for i in range(len(old_labels))]
    model = _relabelled_copy(staged_tiny, teach_dir / "models", new_labels).name
    assert model in httpx.get(f"{url}/v1/teach", headers=AUTH).json()["models"]

    unknown = httpx.post(f"{url}/v1/models/switch", json={"name": "../../etc/passwd"}, headers=AUTH)
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    stream = bundled_stream(99, [2])
    frames, depth = stream.rgb[:80], stream.depth[:80]

    def switch() -> None:
        res = httpx.post(f"{url}/v1/models/switch", json={"name": model}, headers=AUTH, timeout=120)
        assert res.status_code == 200, res.text
        assert res.json()["models"][0]["labels"] == new_labels

    during = _stream_labels(url, frames, depth, during=switch)
    assert during and set(during) <= set(old_labels)  # the open stream finished on the old model
    assert httpx.get(f"{url}/v1/models", headers=AUTH).json()["models"][0]["name"] == model
    after = _stream_labels(url, frames, depth)
    assert after and set(after) <= set(new_labels)  # a new stream gets the new model

    startup = httpx.get(f"{url}/v1/teach", headers=AUTH).json()["startup_model"]
    back = httpx.post(f"{url}/v1/models/switch", json={"name": startup}, headers=AUTH, timeout=120)
    assert back.status_code == 200 and back.json()["models"][0]["labels"] == old_labels
