"""Batching benchmark: the service's inference scheduler (service.inference.scheduler) on a real
onnxruntime session, with S concurrent closed-loop streams each submitting windows
back to back, at several maximum batch sizes, for full windows and (when the model has
its stages) incremental hops. Throughput and latency per window, and the throughput ratio
against batch 1 with the same number of streams and mode, all from one run."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.table import Table
from tqdm import tqdm

from service.inference.onnx_session import OnnxModel, SessionOptions
from service.inference.scheduler import InferenceScheduler
from service.inference.stages import Stages, load_stages, window_feeds
from training.bench.report import machine_line, print_table, write_section
from training.bench.timing import p50_p99


@dataclass
class BatchRow:
    """One (mode, streams, max batch) cell: windows/s, latency per window (ms), mean batch
    (incremental: over both stages' batches)."""

    mode: str
    streams: int
    max_batch: int
    windows_per_s: float
    p50_ms: float
    p99_ms: float
    mean_batch: float
    ratio_to_batch1: float = 1.0


def _window(model: OnnxModel, rng: np.random.Generator) -> dict[str, np.ndarray]:
    c = model.card
    return {m: rng.integers(0, 256, (1, c.frames, c.height, c.width, 3), dtype=np.uint8) for m in c.modalities}


def measure(model: OnnxModel, streams: int, max_batch: int, windows_per_stream: int) -> BatchRow:
    """Run `streams` threads, each submitting `windows_per_stream` windows one after another."""
    scheduler = InferenceScheduler(
        lambda inputs: {"logits": model.logits(inputs)}, max_batch=max_batch, timeout=0.005, queue_size=4 * streams
    )
    rng = np.random.default_rng(0)
    inputs = [_window(model, rng) for _ in range(streams)]
    latencies: list[float] = []
    lock = threading.Lock()

    def stream(i: int) -> None:
        mine = []
        for _ in range(windows_per_stream):
            t0 = time.perf_counter()
            scheduler.submit(inputs[i]).result()
            mine.append(time.perf_counter() - t0)
        with lock:
            latencies.extend(mine)

    scheduler.submit(inputs[0]).result()  # warm-up
    batches_before, requests_before = scheduler.stats.batches, scheduler.stats.requests
    threads = [threading.Thread(target=stream, args=(i,)) for i in range(streams)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    batches = scheduler.stats.batches - batches_before
    requests = scheduler.stats.requests - requests_before
    scheduler.close()
    p50, p99 = p50_p99([x * 1000 for x in latencies])
    return BatchRow("full", streams, max_batch, len(latencies) / elapsed, p50, p99, requests / max(batches, 1))


def measure_incremental(model: OnnxModel, stages: Stages, streams: int, max_batch: int, windows: int) -> BatchRow:
    """Like `measure`, for incremental streams: each hop is one frame-stage request (1, 1 or
    2 new grid frames in turn: hop 4 over stride 3) then one window-stage request, both
    through their own scheduler, with each stream carrying its state forward."""
    c = model.card
    workers = os.cpu_count() or 1  # as the service: one thread per stage session, a frame-stage worker per core
    frame = InferenceScheduler(
        stages.frame.run, max_batch=max_batch, timeout=0.005, queue_size=4 * streams, workers=workers
    )
    window = InferenceScheduler(stages.window.run, max_batch=max_batch, timeout=0.005, queue_size=4 * streams)
    rng = np.random.default_rng(0)
    news = [
        {m: rng.integers(0, 256, (1, n, c.height, c.width, 3), dtype=np.uint8) for m in c.modalities} for n in (1, 2)
    ]
    latencies: list[float] = []
    lock = threading.Lock()

    def hop(state: dict[str, np.ndarray], seen: int, n: int) -> dict[str, np.ndarray]:
        feeds = {**news[n - 1], "seen": np.array([seen], np.int64), **state}
        out = frame.submit(feeds).result()
        window.submit(window_feeds(out, batch_axis=True)).result()
        return {k: out[f"next_{k}"][None] for k in state}

    def stream(i: int) -> None:
        state, seen, mine = dict(stages.zero_state), 100, []
        for w in range(windows):
            n = 2 if w % 3 == 2 else 1
            t0 = time.perf_counter()
            state = hop(state, seen, n)
            mine.append(time.perf_counter() - t0)
            seen += n
        with lock:
            latencies.extend(mine)

    hop(dict(stages.zero_state), 100, 1)  # warm-up
    counts = [(s.stats.batches, s.stats.requests) for s in (frame, window)]
    threads = [threading.Thread(target=stream, args=(i,)) for i in range(streams)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    batches = sum(s.stats.batches - b for s, (b, _) in zip((frame, window), counts))
    requests = sum(s.stats.requests - r for s, (_, r) in zip((frame, window), counts))
    frame.close()
    window.close()
    p50, p99 = p50_p99([x * 1000 for x in latencies])
    return BatchRow("incremental", streams, max_batch, len(latencies) / elapsed, p50, p99, requests / max(batches, 1))


def render(rows: list[BatchRow], command: str, model: OnnxModel, threads: int, windows: int) -> str:
    c = model.card
    lines = [
        "## Batching: the inference scheduler with concurrent streams",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_line()}  ",
        f"Model: `{Path(model.path).name}` ({c.profile or 'custom'}, {'+'.join(c.modalities)}, "
        f"{c.frames} x {c.height}px) on {model.providers[0]}, {threads} intra-op threads. Each stream submits "
        f"{windows} windows back to back (closed loop); the scheduler waits at most 5 ms for a batch to fill. "
        "Latency is per window, submit to result. Ratio: throughput over batch 1 with the same streams "
        "and mode. `full`: the full-window graph; `incremental`: one hop of an incremental stream (the frame "
        "stage on 1 or 2 new grid frames, then the window stage, each through its own scheduler; as in the "
        "service, each stage session has one intra-op thread and the frame stage one worker per core).",
        "",
        "| mode | streams | max batch | windows / s | p50 (ms) | p99 (ms) | mean batch | throughput vs batch 1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r.mode} | {r.streams} | {r.max_batch} | {r.windows_per_s:.1f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} "
            f"| {r.mean_batch:.2f} | {r.ratio_to_batch1:.2f} |"
        )
    return "\n".join(lines) + "\n"


def run_batching_bench(
    model_path: Path,
    out: Path,
    streams: list[int],
    batches: list[int],
    windows: int,
    threads: int,
    command: str | None = None,
) -> list[BatchRow]:
    """Measure every (streams, max batch) cell, print the table, rewrite the section."""
    options = SessionOptions(threads=threads)
    model = OnnxModel(model_path, options)
    stages = load_stages(model_path, model.card, dataclasses.replace(options, threads=1))
    rows: list[BatchRow] = []
    modes = ["full"] + (["incremental"] if stages is not None else [])
    cells = [(mode, s, b) for mode in modes for s in streams for b in batches]
    for mode, s, b in tqdm(cells, desc="batching", unit="cell"):
        if mode == "full":
            rows.append(measure(model, s, b, windows))
        else:
            assert stages is not None
            rows.append(measure_incremental(model, stages, s, b, windows))
    for r in rows:
        base = next((x for x in rows if (x.mode, x.streams, x.max_batch) == (r.mode, r.streams, 1)), None)
        r.ratio_to_batch1 = r.windows_per_s / base.windows_per_s if base else float("nan")
    table = Table(title="dynamic batching")
    for col in ("mode", "streams", "max batch", "windows/s", "p50 ms", "p99 ms", "mean batch", "vs batch 1"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.mode,
            str(r.streams),
            str(r.max_batch),
            f"{r.windows_per_s:.1f}",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            f"{r.mean_batch:.2f}",
            f"{r.ratio_to_batch1:.2f}",
        )
    print_table(table)
    command = command or (
        f"gesture bench --suites batching --streams {','.join(map(str, streams))} "
        f"--batches {','.join(map(str, batches))} "
        f"--windows {windows} --threads {threads}"
    )
    write_section(out, "batching", render(rows, command, model, threads, windows))
    return rows
