"""Process-wide serving state: the model, its batching scheduler and the metrics."""

from __future__ import annotations

import logging
import time

import numpy as np

from service.metrics import Metrics
from service.onnx_session import OnnxModel, SessionOptions
from service.scheduler import InferenceScheduler
from service.settings import Settings

log = logging.getLogger("gesture.runtime")


class Runtime:
    """Loads and warms the model; `predict` runs one window through the shared scheduler."""

    def __init__(self, settings: Settings, metrics: Metrics) -> None:
        self.settings = settings
        self.metrics = metrics
        self.ready = False
        self.model: OnnxModel | None = None
        self.scheduler: InferenceScheduler | None = None
        self.warmup_seconds = 0.0

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
        self.scheduler = InferenceScheduler(
            model.run,
            max_batch=s.max_batch,
            timeout=s.batch_timeout_ms / 1000,
            queue_size=s.queue_size,
            on_batch=self._on_batch,
        )
        self.warmup_seconds = time.perf_counter() - t0
        self.metrics.model_info.info(
            {
                "path": str(s.model),
                "profile": card.profile,
                "modalities": "+".join(card.modalities),
                "providers": ",".join(model.providers),
                "frames": str(card.frames),
                "labels": str(len(card.labels)),
            }
        )
        self.ready = True
        self.metrics.ready.set(1)
        log.info("model ready in %.2fs on %s", self.warmup_seconds, model.providers)

    def _on_batch(self, size: int, seconds: float, waits: list[float]) -> None:
        self.metrics.batch_size.observe(size)
        self.metrics.inference_latency.observe(seconds)
        for w in waits:
            self.metrics.queue_wait.observe(w)
        if self.scheduler is not None:
            self.metrics.queue_depth.set(self.scheduler.depth)

    def predict(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Blocking: one window's inputs -> logits [1, K] (through the batching scheduler)."""
        assert self.scheduler is not None and self.model is not None
        future = self.scheduler.submit(inputs)
        self.metrics.queue_depth.set(self.scheduler.depth)
        out = future.result(timeout=120)
        return out[self.model.card.outputs[0]][None]

    def stop(self) -> None:
        self.ready = False
        self.metrics.ready.set(0)
        if self.scheduler is not None:
            self.scheduler.close()
