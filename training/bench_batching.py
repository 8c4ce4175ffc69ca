"""Batching benchmark: windows/s and latency through the service's scheduler at several
batch sizes, with concurrent streams each keeping one window in flight (as the WebSocket
route does)."""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service.onnx_session import OnnxModel, SessionOptions
from service.scheduler import InferenceScheduler


@dataclass
class BatchRow:
    max_batch: int
    streams: int
    windows_per_s: float
    latency_ms_p50: float
    latency_ms_p99: float
    mean_batch: float


def bench_batching(model: Path, max_batch: int, streams: int, seconds: float, threads: int) -> BatchRow:
    """Run `streams` closed-loop clients for `seconds` against one scheduler."""
    onnx_model = OnnxModel(model, SessionOptions(providers=("CPUExecutionProvider",), threads=threads))
    card = onnx_model.card
    rng = np.random.default_rng(0)
    window = {
        m: rng.integers(0, 256, (1, card.frames, card.height, card.width, 3), dtype=np.uint8) for m in card.modalities
    }
    onnx_model.run(window)  # warm-up
    scheduler = InferenceScheduler(onnx_model.run, max_batch=max_batch, timeout=0.005, queue_size=1024)
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            scheduler.submit(window).result()
            with lock:
                latencies.append(time.perf_counter() - t0)

    workers = [threading.Thread(target=client) for _ in range(streams)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    stats = scheduler.stats
    scheduler.close()
    lat = sorted(latencies)
    return BatchRow(
        max_batch,
        streams,
        len(lat) / elapsed,
        statistics.median(lat) * 1000,
        lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000,
        stats.requests / max(stats.batches, 1),
    )
