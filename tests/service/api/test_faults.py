"""Faults around a real server: a corrupt model or stage file, a client that vanishes
mid-stream, a client that stops reading, SIGTERM in the middle of an upload."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

from service.inference.stages import stage_paths
from tests.support.bundled import bundled_stream
from tests.support.server_utils import free_port, run_gesture, running_server
from tests.support.stream_helpers import drain, frames_of, start_stream


def _copy_with_stages(model: Path, folder: Path) -> Path:
    copy = folder / "model.onnx"
    shutil.copy(model, copy)
    for stage, target in zip(stage_paths(model), stage_paths(copy)):
        shutil.copy(stage, target)
    return copy


def test_a_corrupt_model_ends_serve_with_one_line_of_reason(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(os.urandom(4096))
    res = run_gesture("serve", "--model", bad, "--port", free_port(), timeout=120)
    out = res.stdout + res.stderr
    assert res.returncode != 0 and "Traceback" not in out, out
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]  # JSON lines only
    (reason,) = [line["message"] for line in lines if line["message"].startswith("model failed to load")]
    assert str(bad) in reason and "not a loadable ONNX model" in reason


def test_a_corrupt_stage_file_leaves_the_server_classifying_full_windows(tmp_path, staged_tiny):
    model = _copy_with_stages(staged_tiny, tmp_path)
    frame_stage = stage_paths(model)[0]
    frame_stage.write_bytes(os.urandom(4096))
    log = tmp_path / "server.log"
    stream = bundled_stream(5, [3])
    with running_server(model, log=log) as url:
        (summary,) = httpx.get(f"{url}/v1/models").json()["models"]
        assert summary["incremental"] is False and str(frame_stage) in summary["stages_not_used"]
        with connect(f"{url.replace('http', 'ws')}/v1/stream") as ws:
            start_stream(ws, *stream.rgb.shape[1:3])
            for frame in frames_of(stream.rgb[:40], stream.depth[:40]):
                ws.send(frame)
            ws.send(json.dumps({"type": "stop"}))
            final = drain(ws)[-1]
    assert final["frames"] == 40 and final["windows"] >= 1, final
    assert "incremental stages not used" in log.read_text()


def test_a_client_that_vanishes_mid_stream_frees_its_slot_and_disturbs_no_one(staged_tiny):
    stream = bundled_stream(6, [4])
    frames = frames_of(stream.rgb[:40], stream.depth[:40])
    with running_server(staged_tiny, max_streams="1") as url:
        ws_url = f"{url.replace('http', 'ws')}/v1/stream"
        with contextlib.ExitStack() as gone:
            ws = gone.enter_context(connect(ws_url))
            start_stream(ws, *stream.rgb.shape[1:3])
            for frame in frames[:20]:
                ws.send(frame)
            gone.pop_all()  # no closing handshake on the way out
            ws.socket.close()  # gone: no close frame, no stop
        deadline = time.monotonic() + 30
        while httpx.get(f"{url}/v1/status").json()["active_streams"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert httpx.get(f"{url}/v1/status").json()["active_streams"] == 0
        assert httpx.get(f"{url}/readyz").status_code == 200
        with connect(ws_url) as again:  # the only slot is free again
            start_stream(again, *stream.rgb.shape[1:3])
            for frame in frames:
                again.send(frame)
            again.send(json.dumps({"type": "stop"}))
            assert drain(again)[-1]["frames"] == 40


def test_a_client_that_stops_reading_keeps_its_connection_and_disturbs_no_one(staged_tiny):
    # The slow reader asks for stats 30000 times (about 7 MB of answers) through a 4 KiB
    # receive buffer and reads none of it while a well-behaved stream runs beside it. (The
    # server reads no faster than it can answer, so in practice nothing is dropped: the
    # answers wait in the socket buffers and the slow reader gets them all, late.)
    stream = bundled_stream(7, [2])
    frames = frames_of(stream.rgb[:40], stream.depth[:40])
    with running_server(staged_tiny) as url:
        host, port = url.removeprefix("http://").split(":")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect((host, int(port)))
        with connect(f"ws://{host}:{port}/v1/stream", sock=sock, max_queue=4) as slow:
            start_stream(slow, *stream.rgb.shape[1:3])
            for _ in range(30000):
                slow.send('{"type": "stats"}')
            with connect(f"{url.replace('http', 'ws')}/v1/stream") as good:
                start_stream(good, *stream.rgb.shape[1:3])
                for frame in frames:
                    good.send(frame)
                good.send(json.dumps({"type": "stop"}))
                good_messages = drain(good)
            assert good_messages[-1]["frames"] == 40 and good_messages[-1]["windows"] >= 1
            assert any(m["type"] == "prediction" for m in good_messages)
            assert httpx.get(f"{url}/readyz").status_code == 200
            slow.send(json.dumps({"type": "stop"}))
            answers = drain(slow, timeout=120)  # the slow reader catches up: its connection is still there
    final = answers[-1]
    requested = [m for m in answers if m["type"] == "stats" and m["reason"] == "requested"]
    assert len(requested) + final["dropped_messages"] == 30000


def test_sigterm_during_an_upload_ends_the_server_within_its_grace(tmp_path, staged_tiny):
    grace = 3
    with running_server(staged_tiny, shutdown_grace_s=str(grace)) as url:
        sent = threading.Event()

        def slow_body():
            yield b"--b\r\nContent-Disposition: form-data; name=clip; filename=c.npz\r\n\r\n"
            sent.set()
            for _ in range(120):  # a client that never finishes its upload
                time.sleep(0.25)
                yield b"\0" * 1024

        def upload() -> None:
            headers = {"content-type": "multipart/form-data; boundary=b"}
            try:
                httpx.post(f"{url}/v1/classify", content=slow_body(), headers=headers, timeout=60)
            except httpx.HTTPError:
                pass  # the server went away mid-upload: the expected end

        client = threading.Thread(target=upload, daemon=True)
        client.start()
        assert sent.wait(30)
        time.sleep(0.5)
        t0 = time.monotonic()
        os.kill(url.pid, signal.SIGTERM)
        while time.monotonic() - t0 < grace + 15:
            try:
                os.kill(url.pid, 0)
            except ProcessLookupError:
                break
            if _exited(url.pid):
                break
            time.sleep(0.2)
        took = time.monotonic() - t0
    assert took < grace + 15, f"the server took {took:.1f} s to stop with an upload in flight"


def _exited(pid: int) -> bool:
    """True once `pid` is a zombie or gone (its parent, the test, has not reaped it yet)."""
    try:
        state = subprocess.run(["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True).stdout.strip()
    except OSError:
        return False
    return state == "" or state.startswith("Z")
