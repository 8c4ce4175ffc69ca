"""The window pipeline shared by WebSocket streams and live feeds, without a server: a real
(untrained, tiny) ONNX model behind the real Runtime and its batching scheduler."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from concurrent.futures import Future

import numpy as np
import pytest

from service.inference.prometheus import Metrics
from service.inference.runtime import Runtime
from service.inference.scheduler import QueueFull
from service.settings import Settings
from service.streaming.events import EventDetector, EventParams
from service.streaming.session import StreamSession, Window
from service.streaming.window_inference import new_stream
from service.streaming.window_pipeline import Submitted, WindowPipeline


@pytest.fixture(scope="module")
def runtime(tiny_onnx) -> Runtime:
    rt = Runtime(Settings(model=tiny_onnx, providers="CPUExecutionProvider", threads=1), Metrics())
    rt.start()
    yield rt
    rt.stop()


def _due_windows(runtime: Runtime, count: int, hop: int = 4) -> tuple[StreamSession, list[Window]]:
    """A plain (full-window) session fed random frames until `count` windows came due."""
    session = new_stream(runtime, hop)
    assert isinstance(session, StreamSession)
    rng = np.random.default_rng(0)
    windows: list[Window] = []
    index = 0
    while len(windows) < count:
        rgb = rng.integers(0, 256, (48, 64, 3), np.uint8)
        depth = rng.integers(300, 2500, (48, 64), np.uint16)
        window = session.push(index, rgb, depth)
        index += 1
        if window is not None:
            windows.append(window)
    return session, windows


def _pipeline(runtime: Runtime, source: str = "stream") -> tuple[WindowPipeline, list[dict], Metrics]:
    """A pipeline with its own metrics (so they start at zero) that collects its messages."""
    messages: list[dict] = []
    metrics = Metrics()
    return WindowPipeline(runtime, metrics, source, messages.append), messages, metrics


def _sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def _run(pipeline: WindowPipeline, submitted: Submitted) -> None:
    """Wait for the model, then finish on this thread."""
    submitted.future.result(timeout=60)
    pipeline.finish(submitted)


def test_a_window_due_while_one_is_in_flight_is_held_and_runs_next(runtime):
    session, (first, second, third, fourth) = _due_windows(runtime, 4)
    pipeline, messages, metrics = _pipeline(runtime)
    submitted = pipeline.submit(session, first)
    assert submitted is not None and pipeline.busy
    assert pipeline.submit(session, second) is None and pipeline.holding  # held, not yet skipped
    assert pipeline.counts == {"windows": 0, "skipped": 0, "events": 0}
    assert pipeline.submit(session, third) is None  # the newer one takes the held place
    assert pipeline.counts == {"windows": 0, "skipped": 1, "events": 0}
    assert _sample(metrics, "gesture_windows_skipped_total") == 1
    submitted.future.result(timeout=60)
    assert messages == []  # nothing is said until the window is finished
    following = pipeline.finish(submitted)  # ... which submits the held one
    assert following is not None and following.window is third and pipeline.busy and not pipeline.holding
    assert [m["type"] for m in messages] == ["prediction"]
    assert (messages[0]["start_frame"], messages[0]["end_frame"]) == (first.start_frame, first.end_frame)
    assert len(messages[0]["top"]) == 3 and messages[0]["latency_ms"] >= 0
    following.future.result(timeout=60)
    assert pipeline.finish(following) is None and not pipeline.busy
    # Free again: the next due window goes through at once.
    again = pipeline.submit(session, fourth)
    assert again is not None
    _run(pipeline, again)
    assert [m["end_frame"] for m in messages] == [first.end_frame, third.end_frame, fourth.end_frame]
    assert pipeline.counts == {"windows": 3, "skipped": 1, "events": 0}
    assert _sample(metrics, "gesture_windows_total", source="stream") == 3
    assert len(pipeline.latencies) == 3


def test_a_held_window_is_dropped_and_counted_when_its_stream_ends(runtime):
    session, (first, second) = _due_windows(runtime, 2)
    pipeline, messages, _ = _pipeline(runtime)
    submitted = pipeline.submit(session, first)
    assert submitted is not None and pipeline.submit(session, second) is None
    pipeline.drop_held()
    assert pipeline.counts["skipped"] == 1 and not pipeline.holding
    _run(pipeline, submitted)
    assert [m["end_frame"] for m in messages] == [first.end_frame] and not pipeline.busy


def test_warm_up_windows_are_neither_predictions_nor_skips(runtime):
    # An incremental stream's warm-up update runs the frame stage only; a plain session's
    # window marked warm-up goes through the same rule.
    session, (window, later, latest) = _due_windows(runtime, 3)
    pipeline, messages, metrics = _pipeline(runtime)
    submitted = pipeline.submit(session, dataclasses.replace(window, warmup=True))
    assert submitted is not None
    assert pipeline.submit(session, dataclasses.replace(later, warmup=True)) is None  # held
    assert pipeline.submit(session, dataclasses.replace(latest, warmup=True)) is None  # replaced, not a skip
    submitted.future.result(timeout=60)
    following = pipeline.finish(submitted)
    assert following is not None and following.window.end_frame == latest.end_frame
    _run(pipeline, following)
    assert messages == [] and not pipeline.busy
    assert pipeline.counts == {"windows": 0, "skipped": 0, "events": 0}
    assert _sample(metrics, "gesture_windows_skipped_total") == 0
    assert _sample(metrics, "gesture_windows_total", source="stream") == 0


def test_messages_come_in_window_order_a_gesture_right_after_its_prediction(runtime):
    session, windows = _due_windows(runtime, 4)
    card = runtime.model.card
    eager = EventParams(threshold=0.0, smoothing=1, min_windows=1, release_windows=1)
    session.detector = EventDetector(card.labels, eager, no_gesture="")  # fires on the first window
    counts = {"frames": 0, "windows": 0, "skipped": 0, "events": 0}  # a live feed's counters
    messages: list[dict] = []
    metrics = Metrics()
    pipeline = WindowPipeline(runtime, metrics, "live", messages.append, counts)
    for window in windows:
        submitted = pipeline.submit(session, window)
        assert submitted is not None
        pipeline.finish_when_done(submitted)  # finishes on the scheduler's thread
        finished = threading.Event()  # callbacks run in order: this one after `finish` returned
        submitted.future.add_done_callback(lambda _, done=finished: done.set())
        assert finished.wait(timeout=60) and not pipeline.busy
    predictions = [m for m in messages if m["type"] == "prediction"]
    gestures = [m for m in messages if m["type"] == "gesture"]
    assert [m["end_frame"] for m in predictions] == [w.end_frame for w in windows]
    assert [m["type"] for m in messages[:2]] == ["prediction", "gesture"]
    for i, message in enumerate(messages):
        if message["type"] == "gesture":
            before = messages[i - 1]
            assert before["type"] == "prediction" and before["end_frame"] == message["end_frame"]
            assert message["latency_ms"] == before["latency_ms"]
    assert list(counts) == ["frames", "windows", "skipped", "events"]  # the caller's key order stays
    assert counts == {"frames": 0, "windows": 4, "skipped": 0, "events": len(gestures)}
    assert _sample(metrics, "gesture_windows_total", source="live") == 4
    labels = {g["label"] for g in gestures}
    assert sum(_sample(metrics, "gesture_events_total", label=label) for label in labels) == len(gestures)


def test_finish_on_loop_emits_on_the_event_loop_thread_and_runs_the_held_window(runtime):
    session, (window, held) = _due_windows(runtime, 2)
    threads: list[int] = []
    messages: list[dict] = []

    def emit(message: dict) -> None:
        threads.append(threading.get_ident())
        messages.append(message)

    pipeline = WindowPipeline(runtime, Metrics(), "stream", emit)

    async def stream() -> int:
        submitted = pipeline.submit(session, window, received=time.perf_counter())
        assert submitted is not None
        assert pipeline.submit(session, held, received=time.perf_counter()) is None
        await pipeline.finish_on_loop(submitted)  # returns once the held window is finished too
        return threading.get_ident()

    loop_thread = asyncio.run(stream())
    assert [m["end_frame"] for m in messages] == [window.end_frame, held.end_frame]
    assert threads == [loop_thread, loop_thread]
    assert not pipeline.busy and pipeline.counts["skipped"] == 0


def test_finish_when_done_runs_the_held_window_on_the_scheduler_thread(runtime):
    session, (window, held) = _due_windows(runtime, 2)
    messages: list[dict] = []
    finished = threading.Event()

    def emit(message: dict) -> None:
        messages.append(message)
        if len(messages) == 2:
            finished.set()

    pipeline = WindowPipeline(runtime, Metrics(), "live", emit)
    submitted = pipeline.submit(session, window)
    assert submitted is not None and pipeline.submit(session, held) is None
    pipeline.finish_when_done(submitted)
    assert finished.wait(timeout=60)
    assert [m["end_frame"] for m in messages] == [window.end_frame, held.end_frame]


def test_a_full_queue_skips_the_window_and_a_failed_batch_is_reported(runtime, monkeypatch):
    session, (window,) = _due_windows(runtime, 1)
    pipeline, messages, metrics = _pipeline(runtime)

    def refuse(inputs: dict) -> Future:
        raise QueueFull("inference queue full (64 pending); retry later")

    with monkeypatch.context() as patch:
        patch.setattr(runtime, "submit", refuse)
        assert pipeline.submit(session, window) is None  # refused at once
    assert not pipeline.busy and pipeline.counts["skipped"] == 1

    def finished(error: BaseException) -> Submitted:
        future: Future = Future()
        future.set_exception(error)
        return Submitted(session, window, future, time.perf_counter())

    pipeline.finish(finished(QueueFull("inference queue full")))  # refused by a later stage
    assert pipeline.counts["skipped"] == 2 and messages == []
    pipeline.finish(finished(RuntimeError("boom")))
    assert messages == [{"type": "error", "error": "inference_failed", "detail": "boom"}]
    assert pipeline.counts == {"windows": 0, "skipped": 2, "events": 0}
    assert _sample(metrics, "gesture_windows_skipped_total") == 2


def test_a_window_that_cannot_be_submitted_is_reported_and_frees_the_stream(runtime, monkeypatch):
    session, (window, held) = _due_windows(runtime, 2)
    pipeline, messages, _ = _pipeline(runtime)
    submitted = pipeline.submit(session, window)
    assert submitted is not None and pipeline.submit(session, held) is None
    submitted.future.result(timeout=60)

    def broken(inputs: dict) -> Future:
        raise RuntimeError("model gone")

    with monkeypatch.context() as patch:
        patch.setattr(runtime, "submit", broken)
        assert pipeline.finish(submitted) is None  # the held window could not start
    assert [m["type"] for m in messages] == ["prediction", "error"] and messages[1]["detail"] == "model gone"
    assert not pipeline.busy and not pipeline.holding

