"""Process-wide serving state: the model, its batching scheduler and the metrics."""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import onnxruntime as ort

from service.inference.model_card import ModelCardError
from service.inference.onnx_session import OnnxModel, SessionOptions, shrink_arenas_options
from service.inference.prometheus import Metrics
from service.inference.scheduler import InferenceScheduler
from service.inference.stages import Stages, load_stages, window_feeds
from service.settings import Settings

log = logging.getLogger("gesture.runtime")


class Runtime:
    """Loads and warms the model (and its incremental stages, when it has them) and owns
    their batching schedulers: `predict` runs one window and waits, `submit`,
    `submit_frames` and `submit_features` queue work for the full model and the two stages.
    Sessions are driven by the window pipeline (service/streaming), not here.

    When the server switches to another model, the old runtime is `retire`d: streams,
    feeds and requests that `acquire`d it finish on it, and its schedulers close when the
    last of them `release`s it.

    Memory after load: onnxruntime's CPU arena grows with the largest batches a burst of
    streams or uploads asked for and keeps that memory. When the last user has been gone
    for `settings.idle_give_back_s`, a garbage collection (ended streams in reference
    cycles still hold output rows, which pin the arena's regions), then one batch-1 run per
    session with arena shrinkage give it back, and then `after_idle` runs (the server's
    `malloc_trim`). Nothing runs beside streams or requests: a user arriving first cancels
    it."""

    def __init__(self, settings: Settings, metrics: Metrics, after_idle: Callable[[], object] | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.after_idle = after_idle
        self.ready = False
        self.model: OnnxModel | None = None
        self.scheduler: InferenceScheduler | None = None
        self.stages: Stages | None = None
        self.stage_problem: str | None = None  # why stage files next to the model were not used
        self.frame_scheduler: InferenceScheduler | None = None
        self.window_scheduler: InferenceScheduler | None = None
        self.warmup_seconds = 0.0
        self._users = 0
        self._retired = False
        self._lock = threading.Lock()
        self._idle_timer: threading.Timer | None = None
        self.idle_give_backs = 0  # times memory was given back after the last user left

    def start(self) -> None:
        """Blocking: load, warm up (first runs build kernels / TensorRT engines), then ready."""
        s = self.settings
        options = SessionOptions(
            providers=tuple(p.strip() for p in s.providers.split(",") if p.strip()),
            threads=s.threads,
            trt_fp16=s.trt_fp16,
            trt_cache_dir=s.trt_cache_dir,
        )
        t0 = time.perf_counter()
        model = OnnxModel(s.model, options)
        card = model.card
        dummy = {m: np.zeros((1, card.frames, card.height, card.width, 3), np.uint8) for m in card.modalities}
        model.run(dummy)
        self.model = model
        self.scheduler = self._scheduler(model.run)
        if s.incremental:
            # The stages run many small operators: one intra-op thread each, and several
            # frame-stage workers, beat one multi-threaded call at a time (whose idle pool
            # threads spin and compete with the other session's on small machines).
            stage_options = dataclasses.replace(options, threads=s.stage_threads)
            try:
                self.stages = load_stages(s.model, card, stage_options)
            except ModelCardError as exc:  # the stages only speed streams up: serve without them
                self.stage_problem = str(exc)
                log.warning("incremental stages not used, streams classify full windows: %s", exc)
        if self.stages is not None:
            self._warm_stages(self.stages)
            workers = s.stage_workers or max(1, (os.cpu_count() or 1) // s.stage_threads)
            self.frame_scheduler = self._scheduler(self.stages.frame.run, workers)
            self.window_scheduler = self._scheduler(self.stages.window.run)
        self.warmup_seconds = time.perf_counter() - t0
        self.metrics.model_info.info(
            {
                "path": Path(s.model).name,  # the file, not where it lives on this machine
                "profile": card.profile,
                "modalities": "+".join(card.modalities),
                "providers": ",".join(model.providers),
                "frames": str(card.frames),
                "labels": str(len(card.labels)),
                "incremental": str(self.stages is not None).lower(),
            }
        )
        self.ready = True
        self.metrics.ready.set(1)
        log.info("model ready in %.2fs on %s", self.warmup_seconds, model.providers)

    def _scheduler(self, run: object, workers: int = 1) -> InferenceScheduler:
        s = self.settings
        return InferenceScheduler(
            run,  # type: ignore[arg-type]
            max_batch=s.max_batch,
            timeout=s.batch_timeout_ms / 1000,
            queue_size=s.queue_size,
            on_batch=self._on_batch,
            workers=workers,
        )

    def _warm_stages(self, stages: Stages, options: ort.RunOptions | None = None) -> None:
        """One update of a full window from the empty state, then one of a single frame."""
        card = self.model.card  # type: ignore[union-attr]
        state = dict(stages.zero_state)
        features = {}
        for new in (card.frames, 1):
            feeds = {m: np.zeros((1, new, card.height, card.width, 3), np.uint8) for m in card.modalities}
            out = stages.frame.run({**feeds, "seen": np.full(1, card.frames + 1 - new, np.int64), **state}, options)
            state = {n: out[f"next_{n}"] for n in stages.state_names}
            features = features or window_feeds(out)
        stages.window.run(features, options)

    def shrink_arenas(self) -> None:
        """Blocking: one batch-1 run of the full model and of each stage that gives back
        what onnxruntime's CPU arena holds free (a few hundred ms on 2 cores)."""
        assert self.model is not None
        card = self.model.card
        options = shrink_arenas_options()
        window = np.zeros((1, card.frames, card.height, card.width, 3), np.uint8)
        self.model.run({m: window for m in card.modalities}, options)
        if self.stages is not None:
            self._warm_stages(self.stages, options)

    def submit(self, inputs: dict[str, np.ndarray]) -> Future:
        """Queue one full-model window {modality: [1, T, H, W, 3]}; the future resolves to
        {output name: [K] row}.

        Raises:
            QueueFull: the full model's queue is full.
        """
        assert self.scheduler is not None
        return self.scheduler.submit(inputs)

    def submit_frames(self, inputs: dict[str, np.ndarray]) -> Future:
        """Queue one frame-stage update (new grid frames and the stream's state); the future
        resolves to the stage's rows (next state, window features).

        Raises:
            QueueFull: the frame stage's queue is full.
        """
        assert self.frame_scheduler is not None
        return self.frame_scheduler.submit(inputs)

    def submit_features(self, features: dict[str, np.ndarray]) -> Future:
        """Queue one window-stage request (a window's features [1, T, D]); the future
        resolves to {output name: [K] row}.

        Raises:
            QueueFull: the window stage's queue is full.
        """
        assert self.window_scheduler is not None
        return self.window_scheduler.submit(features)

    @property
    def schedulers(self) -> list[InferenceScheduler]:
        """Every scheduler running: the full model's, and the two stages' when streaming incrementally."""
        return [s for s in (self.scheduler, self.frame_scheduler, self.window_scheduler) if s is not None]

    @property
    def queue_depth(self) -> int:
        """Requests waiting in every scheduler."""
        return sum(s.depth for s in self.schedulers)

    def totals(self) -> tuple[int, int, float]:
        """(windows classified, inference batches, seconds of inference) so far: windows count
        full-model requests and window-stage requests (an incremental window's frame-stage
        batch is counted as a batch, not as another window)."""
        windows = sum(s.stats.requests for s in (self.scheduler, self.window_scheduler) if s is not None)
        batches = sum(s.stats.batches for s in self.schedulers)
        seconds = sum(s.stats.inference_seconds for s in self.schedulers)
        return windows, batches, seconds

    def _on_batch(self, size: int, seconds: float, waits: list[float]) -> None:
        self.metrics.batch_size.observe(size)
        self.metrics.inference_latency.observe(seconds)
        for w in waits:
            self.metrics.queue_wait.observe(w)
        self.metrics.queue_depth.set(self.queue_depth)

    def predict(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Blocking: one window's inputs -> logits [1, K] (through the batching scheduler)."""
        assert self.scheduler is not None and self.model is not None
        future = self.scheduler.submit(inputs)
        self.metrics.queue_depth.set(self.queue_depth)
        out = future.result(timeout=120)
        return out[self.model.card.outputs[0]][None]

    def acquire(self) -> Runtime:
        """Count a user (a stream, a feed, a request) that must finish on this model."""
        with self._lock:
            self._users += 1
            self._cancel_idle_timer()
        return self

    def release(self) -> None:
        """A user is done; a retired runtime closes when its last user is, a serving one
        gives memory back once nobody has used it for `settings.idle_give_back_s`."""
        with self._lock:
            self._users -= 1
            close = self._retired and self._users == 0
            idle = not self._retired and self._users == 0
            if idle and self.settings.idle_give_back_s > 0:
                self._cancel_idle_timer()
                self._idle_timer = threading.Timer(self.settings.idle_give_back_s, self._give_back_if_idle)
                self._idle_timer.daemon = True
                self._idle_timer.start()
        if close:
            self._close_in_background()

    def _cancel_idle_timer(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None

    def _give_back_if_idle(self) -> None:
        with self._lock:
            if self._users or self._retired or not self.ready:
                return
            self._idle_timer = None
        gc.collect()  # see the class docstring: cyclic garbage pins arena regions
        try:
            self.shrink_arenas()
        except Exception as exc:  # a failed give-back must not take the server down: say so and serve on
            log.warning("giving memory back after load failed: %s", exc)
            return
        if self.after_idle is not None:
            self.after_idle()
        self.idle_give_backs += 1
        log.debug("memory given back after the last user left")

    def retire(self) -> None:
        """Another model took over: close once no user is left (now, if none is)."""
        with self._lock:
            self._retired = True
            close = self._users == 0
        if close:
            self._close_in_background()

    @property
    def users(self) -> int:
        """Streams, feeds and requests using this runtime now."""
        return self._users

    def _close_in_background(self) -> None:
        threading.Thread(target=self._close_schedulers, name="retire-model", daemon=True).start()

    def _close_schedulers(self) -> None:
        for scheduler in (self.frame_scheduler, self.window_scheduler, self.scheduler):
            if scheduler is not None:
                scheduler.close()

    def stop(self) -> None:
        """Not ready any more; every scheduler finishes the work already queued, then stops."""
        with self._lock:
            self._cancel_idle_timer()
        self.ready = False
        self.metrics.ready.set(0)
        self._close_schedulers()
