"""Incremental streaming: the per-frame and per-window stages against the full-window graph,
in PyTorch, through onnxruntime in the service core, and over a real server."""

from __future__ import annotations

import dataclasses
import json
import shutil

import httpx
import numpy as np
import onnx
import pytest
import torch
from websockets.sync.client import connect

from model import build_model, get_profile
from model.frp import frp_guidance
from model.hand_tone import hand_tone
from model.incremental import IncrementalSpatial
from model.inference import FusionClassifier, UnimodalClassifier
from model.preprocess import normalise_frames
from model.stages import FrameStage, WindowStage
from service.inference.model_card import ModelCardError
from service.inference.onnx_session import SessionOptions
from service.inference.prepare import prepare_frames
from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.inference.stages import load_stages
from service.settings import Settings
from service.streaming.window_inference import NoNewFrames, new_stream, submit_window
from tests.support.server_utils import running_server
from tests.support.stream_helpers import drain, frames_of, start_stream
from training.synth import key_rng, render_stream

T = 8  # tiny profile frames
STRIDE = 2
WINDOW = T * STRIDE


def _randomised(net: torch.nn.Module) -> torch.nn.Module:
    """Non-trivial BatchNorm statistics and FRP weights, so no path is accidentally zero."""
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm3d):
            m.running_mean.normal_(0, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    with torch.no_grad():
        net.frp_module.rpconv1d.weight.copy_(torch.tensor([[[0.7], [0.5]]]))
    return net.eval()


def _toned(cfg):
    """A tiny RGB-D network with a hand-tone head of random (non-zero) weights."""
    net = build_model(cfg.with_(fusion=dataclasses.replace(cfg.fusion, hand_tone=True)), "rgbd").eval()
    with torch.no_grad():
        net.hand_tone.linear.weight.normal_(0, 3.0)
    return net


@pytest.mark.parametrize("modalities", ["depth", "rgbd", "rgbd+tone"])
def test_stages_from_an_empty_stream_equal_the_full_window(modalities):
    cfg = get_profile("tiny")
    net = _toned(cfg) if modalities == "rgbd+tone" else build_model(cfg, modalities).eval()
    frame, window = FrameStage(net).eval(), WindowStage(net).eval()
    k = len(frame.modalities)
    clips = [torch.randint(0, 256, (2, T, 32, 32, 3), dtype=torch.uint8) for _ in range(k)]
    full = UnimodalClassifier(net) if modalities == "depth" else FusionClassifier(net)
    with torch.no_grad():
        ref = full(*clips)
        feats = frame(*clips, torch.zeros(2, dtype=torch.int64), *frame.zero_state(2))[: len(frame.window_names())]
        got = window(*(f[:, -T:] for f in feats))
    ref, got = (ref, got) if isinstance(ref, tuple) else ((ref,), (got,))
    for r, g in zip(ref, got):
        torch.testing.assert_close(g, r, rtol=1e-5, atol=1e-5)


def test_the_hand_tone_ring_holds_the_last_t_frames_however_the_stream_is_cut():
    cfg = get_profile("tiny")
    frame = FrameStage(_toned(cfg)).eval()
    assert frame.state_names()[-1] == "hand_tone" and frame.window_names()[-1] == "window_tone"
    n_frames = 3 * T
    rgb, depth = (torch.randint(0, 256, (1, n_frames, 32, 32, 3), dtype=torch.uint8) for _ in range(2))
    expected = hand_tone(rgb, depth)  # [1, n_frames]
    rng = np.random.default_rng(0)
    state, seen = frame.zero_state(1), 0
    while seen < n_frames:
        n = int(min(rng.integers(1, T + 2), n_frames - seen))
        with torch.no_grad():
            out = frame(rgb[:, seen : seen + n], depth[:, seen : seen + n], torch.tensor([seen]), *state)
        seen += n
        state = list(out[len(frame.window_names()) :])
        if seen >= T:
            torch.testing.assert_close(out[2], expected[:, seen - T : seen])


@pytest.mark.parametrize("profile", ["tiny", "lite"])
def test_every_stream_window_equals_the_full_window_however_the_stream_is_cut(profile):
    torch.set_default_dtype(torch.float64)
    try:
        cfg = get_profile(profile)
        t, size = cfg.frames, cfg.size
        net = _randomised(build_model(cfg, "depth").double()).requires_grad_(False)
        inc = IncrementalSpatial(net, t, cfg.frp_window)
        n_frames = 3 * t
        stream = torch.randint(0, 256, (1, n_frames, size, size, 3), dtype=torch.uint8)

        def full(frames: torch.Tensor) -> torch.Tensor:
            x = normalise_frames(frames).double()
            return net.spatial(x, frp_guidance(x, cfg.frp_window))[0]  # [T, D]

        for pattern in ([t] + [1] * (n_frames - t), [5, 4, 3, t, 2, 1, 7, 6], [t, t, t]):
            state = inc.zero_state(size)
            state = state._replace(
                guidance=tuple(g.double() for g in state.guidance),
                rings=tuple(r.double() for r in state.rings),
                features=state.features.double(),
            )
            seen = checked = 0
            for n in pattern:
                if seen + n > n_frames:
                    break
                window, state = inc(stream[:, seen : seen + n], state, torch.tensor([seen]))
                seen += n
                if seen >= t:
                    torch.testing.assert_close(window[0], full(stream[:, seen - t : seen]), rtol=0, atol=1e-9)
                    checked += 1
            assert checked >= 3
    finally:
        torch.set_default_dtype(torch.float32)


def test_windows_too_short_for_the_left_edge_are_refused():
    cfg = get_profile("tiny").with_(frames=6)  # needs w + 5 = 8 frames
    with pytest.raises(ValueError, match="too short"):
        IncrementalSpatial(build_model(cfg, "depth"), cfg.frames, cfg.frp_window)


@pytest.fixture(scope="module")
def staged_model(staged_tiny):
    return staged_tiny  # conftest: tiny RGB-D with stages, stream window 16 = WINDOW


@pytest.fixture(scope="module", params=["plain", "hand-tone"])
def runtime(request, staged_model):
    """The service core on the staged tiny model, and on the same model given the hand-tone
    head by `gesture fit-tone` (conftest `toned_tiny`: a tone ring in the stream's state)."""
    model = staged_model if request.param == "plain" else request.getfixturevalue("toned_tiny")[0]
    rt = Runtime(Settings(model=model, threads=1), Metrics())
    rt.start()
    yield rt
    rt.stop()


def _stream(n_frames: int = 60):
    s = render_stream(key_rng(11), size=48, n_gestures=2)
    return s.rgb[:n_frames], s.depth[:n_frames]


def _full_logits(rt: Runtime, rgb: np.ndarray, depth: np.ndarray, grid: list[int]) -> np.ndarray:
    inputs = prepare_frames(rgb[grid], depth[grid], rt.model.card)
    return rt.model.logits(inputs)[0]


def test_stage_files_are_found_and_checked(staged_model, tmp_path):
    from service.inference.onnx_session import OnnxModel

    card = OnnxModel(staged_model).card
    stages = load_stages(staged_model, card, SessionOptions())
    assert stages is not None and "rgb_ring0" in stages.state_names and "depth_features" in stages.state_names
    # A model without stage files streams full windows.
    alone = tmp_path / "alone.onnx"
    shutil.copy(staged_model, alone)
    assert load_stages(alone, card, SessionOptions()) is None
    # Stage files of another model are refused with the reason.
    proto = onnx.load(str(staged_model.with_suffix(".frame.onnx")))
    for entry in proto.metadata_props:
        if entry.key == "labels":
            entry.value = json.dumps(list(reversed(card.labels)))  # another model's labels
    onnx.save(proto, str(alone.with_suffix(".frame.onnx")))
    shutil.copy(staged_model.with_suffix(".window.onnx"), alone.with_suffix(".window.onnx"))
    with pytest.raises(ModelCardError, match="labels differ"):
        load_stages(alone, card, SessionOptions())


def test_incremental_stream_first_window_is_the_full_window(runtime):
    rgb, depth = _stream()
    session = new_stream(runtime, hop=4)
    assert type(session).__name__ == "IncrementalStream" and session.stride == STRIDE
    warmups = 0
    for i in range(len(rgb)):
        window = session.push(i, rgb[i], depth[i])
        if window is None:
            continue
        out = submit_window(runtime, session, window).result(timeout=60)
        if not window.warmup:
            break
        # Before T grid frames the frame stage already runs (so the first window costs no
        # more than the next), but there is nothing to classify.
        assert out == {}
        warmups += 1
    grid = [STRIDE * j + (STRIDE - 1) // 2 for j in range(T)]
    assert warmups == 3 and i == 15  # windows due at frames 3, 7, 11 (warm-up) and 15
    np.testing.assert_allclose(out["logits"], _full_logits(runtime, rgb, depth, grid), rtol=1e-4, atol=1e-4)
    assert window.start_frame == 0 and window.end_frame == i


def test_skipped_windows_lose_no_frames_and_a_late_stream_restarts(runtime):
    rgb, depth = _stream(90)
    every, every_other, late = (new_stream(runtime, hop=4) for _ in range(3))
    last: dict[str, np.ndarray] = {}
    due, ends = 0, {}
    for i in range(len(rgb)):
        for name, session in (("every", every), ("other", every_other), ("late", late)):
            window = session.push(i, rgb[i], depth[i])
            if window is None:
                continue
            due += name == "every"
            run = (
                name == "every"
                or (name == "other" and (due % 2 == 0 or i >= 70))  # skips every other window, then catches up
                or (name == "late" and i >= 80 and "late" not in last)  # never ran before frame 80
            )
            if run:
                out = submit_window(runtime, session, window).result(timeout=60)
                if window.warmup:
                    continue
                last[name] = out["logits"]
                ends[name] = ends.get(name, i) if name == "late" else i
    # Skipping windows only delays the frame stage: the result is the same, and it is the
    # full window on the same grid frames.
    np.testing.assert_allclose(last["other"], last["every"], rtol=1e-4, atol=1e-4)
    grid_every = [g for g in range((STRIDE - 1) // 2, ends["every"] + 1, STRIDE)][-T:]
    np.testing.assert_allclose(last["every"], _full_logits(runtime, rgb, depth, grid_every), rtol=1e-4, atol=1e-4)
    # A stream that fell more than a window behind restarts from its last T grid frames,
    # which is exactly the full window there.
    assert late.restarts >= 1 and every.restarts == 0
    grid = [g for g in range((STRIDE - 1) // 2, ends["late"] + 1, STRIDE)][-T:]
    np.testing.assert_allclose(last["late"], _full_logits(runtime, rgb, depth, grid), rtol=1e-4, atol=1e-4)


def test_a_window_run_late_still_ends_where_it_came_due(runtime):
    # A window held while another ran is submitted after later frames arrived: it takes the
    # grid frames up to its own end, no more, and equals the full window there.
    rgb, depth = _stream(40)
    session = new_stream(runtime, hop=4)
    due = []
    for i in range(len(rgb)):
        window = session.push(i, rgb[i], depth[i])
        if window is not None:
            due.append(window)
        if len(due) == 5:
            break
    later = i
    for j in range(later + 1, later + 7):  # frames that arrive while the held window waits
        assert session.push(j, rgb[j], depth[j]) is None or j == later + 4
    for window in due[:3]:  # warm-ups, then the first full window
        submit_window(runtime, session, window).result(timeout=60)
    skipped, held = due[3], due[4]
    assert not skipped.warmup and not held.warmup
    out = submit_window(runtime, session, held).result(timeout=60)  # `skipped` never ran
    grid = [g for g in range((STRIDE - 1) // 2, held.end_frame + 1, STRIDE)][-T:]
    np.testing.assert_allclose(out["logits"], _full_logits(runtime, rgb, depth, grid), rtol=1e-4, atol=1e-4)
    assert session.pending_index and min(session.pending_index) > held.end_frame  # later frames wait


def test_a_held_window_with_no_grid_frame_of_its_own_is_refused(runtime):
    rgb, depth = _stream(8)
    session = new_stream(runtime, hop=1)
    assert session.offset == 0  # frames 0, 2, 4 ... are on the grid
    first = session.push(0, rgb[0], depth[0])
    held = session.push(1, rgb[1], depth[1])  # due while frame 0 still waits for the frame stage
    assert first is not None and held is not None
    submit_window(runtime, session, first).result(timeout=60)  # takes frame 0
    assert session.frame_work(held.end_frame) is None  # nothing new up to frame 1
    with pytest.raises(NoNewFrames):
        submit_window(runtime, session, held)
    assert session.push(2, rgb[2], depth[2]) is not None and session.frame_work(2) is not None


def _stream_over_server(url: str, frames: int) -> tuple[dict, list[dict]]:
    rgb, depth = _stream(frames)
    with connect(url.replace("http", "ws") + "/v1/stream", max_size=None, max_queue=None) as ws:
        ready = start_stream(ws, 48, 48)
        for msg in frames_of(rgb, depth):
            ws.send(msg)
        ws.send(json.dumps({"type": "stop"}))
        return ready, drain(ws)


def test_server_streams_incrementally_and_can_be_told_not_to(staged_model):
    frames = 48
    due = len(range(WINDOW - 1, frames, 4))
    with running_server(staged_model) as url:
        ready, msgs = _stream_over_server(url, frames)
        assert ready["incremental"] is True and ready["window"] == WINDOW
        assert httpx.get(f"{url}/v1/models").json()["models"][0]["incremental"] is True
        stats = msgs[-1]
        predictions = [m for m in msgs if m["type"] == "prediction"]
        assert stats["windows"] + stats["skipped"] == due and len(predictions) == stats["windows"] >= 1
        assert all(p["end_frame"] - p["start_frame"] == WINDOW - 1 for p in predictions[1:])
    with running_server(staged_model, incremental="false") as url:
        ready, msgs = _stream_over_server(url, frames)
        assert ready["incremental"] is False and msgs[-1]["windows"] >= 1
        assert httpx.get(f"{url}/v1/models").json()["models"][0]["incremental"] is False
