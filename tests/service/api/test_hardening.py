"""Issue 17's audit, kept fixed, on a real server over loopback: decompression bombs refused
for what their headers declare (the server's peak memory, VmHWM, barely moves), mistyped
start fields closed with 1008, idle sockets that never send `start` freed after the start
timeout, and an API key passed as `?api_key=` never written to the server's log."""

from __future__ import annotations

import contextlib
import io
import json
import struct
import time
import zipfile
import zlib
from datetime import UTC, datetime, timedelta

import httpx
import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from service.sources.frame_codec import encode_depth_payload, pack_frame
from tests.support.server_utils import peak_rss_mb, running_server
from tests.support.stream_helpers import drain, start_stream

KEY = "s3cret-key-for-the-log-test"
AUTH = {"X-API-Key": KEY}
START_TIMEOUT_S = 2.0
MAX_STREAMS = 3
BOMB_GROWTH_MB = 300  # the bound on the server's peak memory growth per refused bomb


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_onnx):
    log = tmp_path_factory.mktemp("log") / "server.log"
    with running_server(
        tiny_onnx,
        log=log,
        api_key=KEY,
        start_timeout_s=START_TIMEOUT_S,
        max_streams=MAX_STREAMS,
        log_level="info",
    ) as url:
        yield url, log


def _npz_bomb(frames: int, height: int, width: int) -> bytes:
    """An .npz whose `rgb` is [frames, height, width, 3] zeros, deflated as it is written
    (the test never holds the decoded array)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z, z.open("rgb.npy", "w", force_zip64=True) as f:
        header = {"descr": "|u1", "fortran_order": False, "shape": (frames, height, width, 3)}
        np.lib.format.write_array_header_1_0(f, header)
        row = bytes(height * width * 3)
        for _ in range(frames):
            f.write(row)
    return buf.getvalue()


def _png_bomb(width: int, height: int) -> bytes:
    """A valid 8-bit RGB PNG of zeros, compressed row by row."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    deflate = zlib.compressobj(9)
    row = bytes(1 + width * 3)  # filter byte 0, then the pixels
    idat = b"".join(deflate.compress(row) for _ in range(height)) + deflate.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_an_npz_bomb_is_refused_from_its_header(server):
    url, _ = server
    bomb = _npz_bomb(1300, 480, 640)  # 1.2 GB of frames in about a megabyte
    assert len(bomb) < 2_000_000
    before = peak_rss_mb(url.pid)
    res = httpx.post(f"{url}/v1/classify", files={"clip": ("bomb.npz", bomb)}, headers=AUTH, timeout=120)
    assert res.status_code == 422 and res.json()["error"] == "invalid_clip", res.text
    assert "MiB" in res.json()["detail"]
    assert peak_rss_mb(url.pid) - before < BOMB_GROWTH_MB


def test_a_png_frame_bomb_is_refused_from_its_header(server):
    url, _ = server
    bomb = _png_bomb(16000, 16000)
    assert len(bomb) < 1_000_000
    before = peak_rss_mb(url.pid)
    depth = encode_depth_payload(np.zeros((64, 64), np.uint16), "png16")
    with connect(f"{url.replace('http', 'ws')}/v1/stream", additional_headers=AUTH) as ws:
        start_stream(ws, 64, 64, rgb_encoding="png")
        ws.send(pack_frame(0, 0.0, bomb, depth))
        error = json.loads(ws.recv(timeout=60))
        ws.send(json.dumps({"type": "stop"}))
    assert error["type"] == "error" and error["error"] == "wrong_size" and "16000x16000" in error["detail"], error
    assert peak_rss_mb(url.pid) - before < BOMB_GROWTH_MB


@pytest.mark.parametrize(
    "start",
    [
        {"hop": "abc"},
        {"hop": None},
        {"hop": [4]},
        {"hop": True},
        {"hop": 2.5},
        {"window": {}},
        {"width": 160.9},
        {"modalities": 5},
        {"fps": -30},
    ],
    ids=str,
)
def test_mistyped_start_fields_close_with_1008(server, start):
    url, _ = server
    message = {"type": "start", "width": 64, "height": 64, **start}
    with connect(f"{url.replace('http', 'ws')}/v1/stream", additional_headers=AUTH) as ws:
        ws.send(json.dumps(message))
        error = json.loads(ws.recv(timeout=30))
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=30)
    assert error["error"] == "protocol_violation" and next(iter(start)) in error["detail"], error
    assert ws.close_code == 1008


@pytest.mark.parametrize("text", ["null", "[1]", '"start"', "1e999"])
def test_start_messages_that_are_not_objects_close_with_1008(server, text):
    url, _ = server
    with connect(f"{url.replace('http', 'ws')}/v1/stream", additional_headers=AUTH) as ws:
        ws.send(text)
        assert json.loads(ws.recv(timeout=30))["error"] == "protocol_violation"
        with pytest.raises(ConnectionClosed):
            while True:
                ws.recv(timeout=30)
    assert ws.close_code == 1008


def test_sockets_that_never_start_are_closed_and_free_their_slots(server):
    url, _ = server
    ws_url = f"{url.replace('http', 'ws')}/v1/stream"
    with contextlib.ExitStack() as stack:
        idle = [stack.enter_context(connect(ws_url, additional_headers=AUTH)) for _ in range(MAX_STREAMS)]
        with connect(ws_url, additional_headers=AUTH) as refused:
            assert json.loads(refused.recv(timeout=30))["error"] == "too_many_streams"
        for ws in idle:  # each is told why, then closed
            error = json.loads(ws.recv(timeout=START_TIMEOUT_S + 30))
            assert error["error"] == "protocol_violation" and "no start message" in error["detail"], error
        deadline = time.monotonic() + 30
        while True:  # the slots free as the closes complete
            with connect(ws_url, additional_headers=AUTH) as ws:
                ws.send(json.dumps({"type": "start", "width": 64, "height": 64}))
                first = json.loads(ws.recv(timeout=30))
                if first["type"] == "ready" or time.monotonic() > deadline:
                    break
        assert first["type"] == "ready", first


def test_an_api_key_in_the_query_never_reaches_the_log(server):
    url, log = server
    assert httpx.get(f"{url}/v1/models?api_key={KEY}").status_code == 200
    with connect(f"{url.replace('http', 'ws')}/v1/stream?api_key={KEY}") as ws:
        start_stream(ws, 64, 64)
        ws.send(json.dumps({"type": "stop"}))
    time.sleep(0.5)  # let the server write its lines
    text = log.read_text()
    assert "/v1/models?api_key=[redacted]" in text and "/v1/stream?api_key=[redacted]" in text, text[-2000:]
    assert KEY not in text
    # one format: uvicorn's lines are JSON like ours, timed in ISO 8601
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    assert {"uvicorn.error", "uvicorn.access"} <= {line["logger"] for line in lines}, text[-2000:]
    assert not [line for line in text.splitlines() if "GET /v1/models" in line and not line.startswith("{")]
    for line in lines:
        stamp = datetime.fromisoformat(line["time"])
        assert stamp.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - stamp) < timedelta(hours=1)


def test_a_page_of_another_origin_cannot_open_a_websocket(server):
    url, _ = server
    ws_url = f"{url.replace('http', 'ws')}/v1/stream"
    with connect(ws_url, additional_headers=AUTH, origin="https://evil.example") as ws:
        error = json.loads(ws.recv(timeout=30))
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=30)
    assert error["error"] == "forbidden_origin" and ws.close_code == 1008, error
    with connect(ws_url, additional_headers=AUTH, origin=url) as ws:  # the server's own page
        start_stream(ws, 64, 64)


def test_the_server_declines_compressing_frames_a_client_offers_to_compress(server):
    # Frames are JPEG/PNG already; per-message deflate on them cost so much CPU (the client
    # deflating, the server inflating on its event loop) that 320 px soak streams lost their
    # keepalive pings (BENCHMARKS.md, "Soak"). The client here offers it, as websockets does.
    url, _ = server
    with connect(f"{url.replace('http', 'ws')}/v1/stream", additional_headers=AUTH, compression="deflate") as ws:
        assert ws.request.headers.get("Sec-WebSocket-Extensions", "").startswith("permessage-deflate")
        assert ws.response.headers.get("Sec-WebSocket-Extensions") is None
        start_stream(ws, 64, 64)


def test_the_page_has_security_headers_and_metrics_no_paths(server):
    url, _ = server
    page = httpx.get(f"{url}/")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff" and "server" not in page.headers
    info = [ln for ln in httpx.get(f"{url}/metrics").text.splitlines() if ln.startswith("gesture_model_info")]
    assert info and 'path="tiny.onnx"' in info[0], info


def test_sigterm_lets_open_streams_end_with_their_final_stats(tiny_onnx):
    import os
    import signal

    from tests.support.bundled import bundled_stream
    from tests.support.stream_helpers import frames_of

    stream = bundled_stream(7, [2])
    with running_server(tiny_onnx) as url, connect(f"{url.replace('http', 'ws')}/v1/stream") as ws:
        start_stream(ws, *stream.rgb.shape[1:3])
        for frame in frames_of(stream.rgb[:20], stream.depth[:20]):
            ws.send(frame)
        ws.send(json.dumps({"type": "stats"}))
        assert drain(ws, "requested")[-1]["frames"] == 20  # all received: now stop the server
        os.kill(url.pid, signal.SIGTERM)
        messages = []
        with pytest.raises(ConnectionClosed):
            while True:
                messages.append(json.loads(ws.recv(timeout=30)))
    final = [m for m in messages if m["type"] == "stats" and m["reason"] == "final"]
    assert final and final[0]["frames"] == 20, messages[-3:]
    assert ws.close_code == 1001


def test_openapi_tells_the_truth_about_bodies_and_errors(server):
    url, _ = server
    doc = httpx.get(f"{url}/openapi.json").json()
    classify = doc["paths"]["/v1/classify"]["post"]
    assert "multipart/form-data" in classify["requestBody"]["content"]
    assert {"401", "413", "415", "422", "503"} <= set(classify["responses"])
    assert classify["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody")
    assert "text/plain" in doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    top_k = next(p for p in classify["parameters"] if p["name"] == "top_k")
    assert top_k["schema"]["anyOf"][0]["minimum"] == 1
    zero = httpx.post(f"{url}/v1/classify?top_k=0", headers=AUTH)
    assert zero.status_code == 422 and zero.json()["error"] == "invalid_request"
    for res, code in (
        (httpx.get(f"{url}/nowhere"), "not_found"),
        (httpx.put(f"{url}/v1/classify"), "method_not_allowed"),
    ):
        assert res.json()["error"] == code and res.json()["detail"], res.text


def test_a_stream_and_an_upload_can_ask_for_an_allowlist_and_a_threshold(server):
    from tests.support.bundled import bundled_stream
    from tests.support.stream_helpers import frames_of

    url, _ = server
    stream = bundled_stream(11, [2])
    allowed = ["swipe_left", "push"]
    with connect(f"{url.replace('http', 'ws')}/v1/stream", additional_headers=AUTH) as ws:
        ready = start_stream(ws, *stream.rgb.shape[1:3], labels=allowed, min_score=0.01)
        assert ready["allowlist"] == ["swipe_left", "push"] and ready["min_score"] == 0.01
        for frame in frames_of(stream.rgb[:40], stream.depth[:40]):
            ws.send(frame)
        ws.send(json.dumps({"type": "stop"}))
        messages = drain(ws)
    tops = [r["label"] for m in messages if m["type"] == "prediction" for r in m["top"]]
    assert tops and set(tops) <= set(allowed), tops
    with connect(f"{url.replace('http', 'ws')}/v1/stream", additional_headers=AUTH) as ws:
        ws.send(json.dumps({"type": "start", "width": 64, "height": 64, "labels": ["wave"]}))
        error = json.loads(ws.recv(timeout=30))
    assert error["error"] == "protocol_violation" and "wave" in error["detail"], error

    buf = io.BytesIO()
    np.savez(buf, rgb=stream.rgb[:20], depth=stream.depth[:20])
    files = {"clip": ("c.npz", buf.getvalue())}
    res = httpx.post(f"{url}/v1/classify?labels=push,swipe_left&min_score=0.01", files=files, headers=AUTH)
    assert res.status_code == 200 and {r["label"] for r in res.json()["top"]} <= set(allowed), res.text
    bad = httpx.post(f"{url}/v1/classify?labels=wave", files=files, headers=AUTH)
    assert bad.status_code == 422 and "wave" in bad.json()["detail"], bad.text


def test_a_stream_is_refused_an_unknown_decoder_and_an_upload_says_which_it_used(server):
    url, _ = server
    with connect(f"{url.replace('http', 'ws')}/v1/stream", additional_headers=AUTH) as ws:
        ws.send(json.dumps({"type": "start", "width": 64, "height": 64, "decoder": "offline"}))
        error = json.loads(ws.recv(timeout=30))
    assert error["error"] == "protocol_violation" and "decoder" in error["detail"], error
    with connect(f"{url.replace('http', 'ws')}/v1/stream", additional_headers=AUTH) as ws:
        assert start_stream(ws, 64, 64, decoder="segments")["decoder"] == "segments"
    buf = io.BytesIO()
    np.savez(buf, rgb=np.zeros((80, 64, 64, 3), np.uint8), depth=np.zeros((80, 64, 64), np.uint16))
    res = httpx.post(f"{url}/v1/classify", files={"clip": ("s.npz", buf.getvalue())}, headers=AUTH)
    assert res.status_code == 200 and res.json()["decoder"] == "segments", res.text
    # the events the bundled model's segments give: tests/service/models/test_bundled_model.py
