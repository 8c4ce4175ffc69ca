"""Dynamic batching: one worker thread serves every stream and request.

Requests wait in a bounded queue; the worker takes up to `max_batch` of them, waiting at
most `timeout` for a batch to fill (as Triton's dynamic batcher), runs one onnxruntime
call, and routes each row back to its request's future. A full queue refuses new work at
once (`QueueFull`) instead of letting latency grow without bound; the caller decides what
that means (the API answers 503 `overloaded`, a stream skips the window).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import numpy as np

RunBatch = Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]


class QueueFull(Exception):
    """The scheduler takes no more work now: its queue is full. Transient, so callers
    retry later or drop the request; the core stays free of HTTP concerns."""


class SchedulerClosed(QueueFull):
    """The scheduler is shutting down: refused like a full queue, for the same callers."""


@dataclass
class _Request:
    inputs: dict[str, np.ndarray]  # input name -> [1, ...] (one row)
    future: Future = field(default_factory=Future)
    enqueued: float = field(default_factory=time.perf_counter)


@dataclass
class BatchStats:
    """Counters the metrics endpoint reads."""

    batches: int = 0
    requests: int = 0
    last_batch_size: int = 0
    inference_seconds: float = 0.0


class InferenceScheduler:
    """Batches single-window requests onto one model function.

    Args:
        run: batched inputs {modality: [B, ...]} -> outputs {name: [B, ...]}.
        max_batch: largest batch.
        timeout: seconds a batch waits to fill once its first request arrived.
        queue_size: pending requests before `submit` raises QueueFull.
        on_batch: called with (batch size, seconds of inference, seconds queued per request).
        workers: threads taking batches off the queue; more than one runs batches concurrently
            (onnxruntime sessions are safe to call from several threads).
    """

    def __init__(
        self,
        run: RunBatch,
        max_batch: int = 8,
        timeout: float = 0.005,
        queue_size: int = 64,
        on_batch: Callable[[int, float, list[float]], None] | None = None,
        workers: int = 1,
    ) -> None:
        self._run = run
        self.max_batch = max_batch
        self.timeout = timeout
        self._queue: queue.Queue[_Request | None] = queue.Queue(maxsize=queue_size)
        self._on_batch = on_batch
        self.stats = BatchStats()
        self._stats_lock = threading.Lock()
        self._stopped = threading.Event()
        self._threads = [
            threading.Thread(target=self._loop, name=f"inference-{i}", daemon=True) for i in range(max(1, workers))
        ]
        for thread in self._threads:
            thread.start()

    @property
    def depth(self) -> int:
        """Requests waiting now."""
        return self._queue.qsize()

    def submit(self, inputs: dict[str, np.ndarray]) -> Future:
        """Queue one window; the future resolves to {output name: [K] row}.

        Raises:
            QueueFull: the queue is full (SchedulerClosed: the scheduler is shutting down).
        """
        if self._stopped.is_set():
            raise SchedulerClosed("the inference scheduler is shutting down")
        request = _Request(inputs)
        try:
            self._queue.put_nowait(request)
        except queue.Full:
            raise QueueFull(f"inference queue full ({self._queue.maxsize} pending); retry later") from None
        return request.future

    def close(self) -> None:
        """Stop the worker after the requests already queued."""
        if not self._stopped.is_set():
            self._stopped.set()
            for _ in self._threads:
                self._queue.put(None)
            for thread in self._threads:
                thread.join(timeout=30)

    def _collect(self, first: _Request) -> tuple[list[_Request], bool]:
        batch = [first]
        deadline = time.perf_counter() + self.timeout
        while len(batch) < self.max_batch:
            remaining = deadline - time.perf_counter()
            try:
                item = self._queue.get(timeout=max(remaining, 0)) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if item is None:
                return batch, True
            batch.append(item)
        return batch, False

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None or self._serve(first):
                break
            del first  # nothing of a served batch may stay referenced while the worker waits

    def _serve(self, first: _Request) -> bool:
        """Collect a batch from `first` on and run it; True once the scheduler is closing.

        A helper of its own, so that the batch dies when it returns: a worker waiting for
        the next request would otherwise keep its last batch, whose output rows hold
        onnxruntime's memory and pin a region of its arena against shrinkage."""
        batch, stop = self._collect(first)
        for group in _same_shapes(batch):
            self._run_group(group)
        return stop

    def _run_group(self, batch: list[_Request]) -> None:
        started = time.perf_counter()
        try:
            names = list(batch[0].inputs)
            stacked = {m: np.concatenate([r.inputs[m] for r in batch], axis=0) for m in names}
            outputs = self._run(stacked)
        except Exception as exc:  # one bad batch must not kill the worker
            for r in batch:
                if not r.future.done():
                    r.future.set_exception(exc)
            return
        seconds = time.perf_counter() - started
        with self._stats_lock:
            self.stats.batches += 1
            self.stats.requests += len(batch)
            self.stats.last_batch_size = len(batch)
            self.stats.inference_seconds += seconds
        if self._on_batch is not None:
            self._on_batch(len(batch), seconds, [started - r.enqueued for r in batch])
        for i, r in enumerate(batch):
            r.future.set_result({k: v[i] for k, v in outputs.items()})


def _same_shapes(batch: list[_Request]) -> list[list[_Request]]:
    """Split a batch into groups whose inputs stack (same names and per-row shapes), in
    arrival order of each group's first request: streams of an incremental model send
    different numbers of new frames."""
    groups: dict[tuple, list[_Request]] = {}
    for r in batch:
        key = tuple((name, a.shape[1:], a.dtype.str) for name, a in r.inputs.items())
        groups.setdefault(key, []).append(r)
    return list(groups.values())
