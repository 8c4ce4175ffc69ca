"""Capacity and latency benchmark through the real server: `gesture serve` in a subprocess
on 127.0.0.1, N WebSocket clients each sending a generated RGB-D stream paced at 30 fps
(JPEG colour + 16-bit PNG depth), hop 4. For each N it reads the server's final per-stream
counters (windows classified, windows skipped because the stream's previous window was
still running or the queue was full) and, client side, the time from sending the frame
that completes a window to receiving that window's prediction. The largest N with under
1 % of windows skipped is the capacity; incremental and full-window streaming are measured
in the same run, on the same frames.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from rich.console import Console
from tqdm import tqdm
from websockets.asyncio.client import connect

from service.sources.frame_codec import encode_depth_payload, encode_rgb_payload, pack_frame
from training.bench.report import machine_line, write_section
from training.bench.timing import p50_p99
from training.synth import key_rng, render_stream

FPS = 30.0
HOP = 4
SKIP_LIMIT = 0.01


@dataclass
class TrialRow:
    mode: str  # incremental or full
    streams: int
    windows: int
    skipped: int
    p50_ms: float
    p99_ms: float

    @property
    def skipped_fraction(self) -> float:
        total = self.windows + self.skipped
        return self.skipped / total if total else 1.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`gesture serve` in a subprocess until the context ends."""

    def __init__(self, model: Path, incremental: bool, max_streams: int) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "GESTURE_LOG_LEVEL": "warning",
            "GESTURE_INCREMENTAL": str(incremental).lower(),
            "GESTURE_MAX_STREAMS": str(max_streams),
        }
        cmd = [sys.executable, "-m", "training.cli", "serve", "--model", str(model), "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def __enter__(self) -> Server:
        deadline = time.time() + 180
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("the server exited during start-up")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("the server did not become ready in 180 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def encoded_frames(seconds: float, size: int) -> list[tuple[bytes, bytes]]:
    """A generated stream's frames, encoded once (colour JPEG, depth 16-bit PNG)."""
    stream = render_stream(key_rng(4242), size=size, n_gestures=max(2, int(seconds / 2)))
    n = min(len(stream.rgb), int(seconds * FPS))
    return [
        (encode_rgb_payload(stream.rgb[i], "jpeg"), encode_depth_payload(stream.depth[i], "png16")) for i in range(n)
    ]


async def send_paced(
    ws: object, frames: list[tuple[bytes, bytes]], start_at: float, sent: dict[int, float] | None = None
) -> None:
    """Send encoded (rgb, depth) frames at FPS from `start_at` (perf_counter time), then
    `stop`; `sent` records when each frame went."""
    for i, (rgb, depth) in enumerate(frames):
        delay = start_at + i / FPS - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if sent is not None:
            sent[i] = time.perf_counter()
        await ws.send(pack_frame(i, i / FPS, rgb, depth))  # type: ignore[attr-defined]
    await ws.send(json.dumps({"type": "stop"}))  # type: ignore[attr-defined]


async def _one_stream(
    url: str, frames: list[tuple[bytes, bytes]], size: int, start_at: float
) -> tuple[dict, list[float]]:
    sent: dict[int, float] = {}
    latencies: list[float] = []
    async with connect(url.replace("http", "ws") + "/v1/stream", max_size=None) as ws:
        start = {"type": "start", "modalities": ["rgb", "depth"], "width": size, "height": size, "fps": FPS, "hop": HOP}
        await ws.send(json.dumps(start))
        ready = json.loads(await ws.recv())
        if ready.get("type") != "ready":
            raise RuntimeError(f"stream refused: {ready}")
        final: dict = {}

        async def reader() -> None:
            nonlocal final
            async for text in ws:
                msg = json.loads(text)
                if msg["type"] == "prediction" and msg["end_frame"] in sent:
                    latencies.append((time.perf_counter() - sent[msg["end_frame"]]) * 1000)
                elif msg["type"] == "stats" and msg["reason"] == "final":
                    final = msg
                    return

        task = asyncio.create_task(reader())
        await send_paced(ws, frames, start_at, sent)
        await asyncio.wait_for(task, timeout=120)
        return final, latencies


async def _trial(url: str, frames: list[tuple[bytes, bytes]], size: int, streams: int) -> tuple[int, int, list[float]]:
    # Streams start a few milliseconds apart, as independent cameras would.
    t0 = time.perf_counter() + 0.5
    results = await asyncio.gather(
        *(_one_stream(url, frames, size, t0 + i * (1 / FPS) / max(streams, 1)) for i in range(streams))
    )
    windows = sum(r[0].get("windows", 0) for r in results)
    skipped = sum(r[0].get("skipped", 0) for r in results)
    return windows, skipped, [lat for r in results for lat in r[1]]


def measure(model: Path, incremental: bool, counts: list[int], seconds: float, size: int) -> list[TrialRow]:
    """Trials at increasing stream counts; stops after the first that skips 1 % or more."""
    frames = encoded_frames(seconds, size)
    mode = "incremental" if incremental else "full"
    rows = []
    with Server(model, incremental, max(counts)) as server:
        asyncio.run(_trial(server.url, frames[: int(2 * FPS)], size, 1))  # warm-up
        for n in tqdm(counts, desc=f"{mode}: streams", unit="trial"):
            windows, skipped, lat = asyncio.run(_trial(server.url, frames, size, n))
            p50, p99 = p50_p99(lat)
            rows.append(TrialRow(mode, n, windows, skipped, p50, p99))
            if rows[-1].skipped_fraction >= SKIP_LIMIT:
                break
    return rows


def capacity(rows: list[TrialRow]) -> int:
    """Largest stream count whose trial skipped under 1 % (0 if none)."""
    ok = [r.streams for r in rows if r.skipped_fraction < SKIP_LIMIT]
    return max(ok) if ok else 0


def render(rows: list[TrialRow], model: Path, command: str, seconds: float, size: int) -> str:
    inc = capacity([r for r in rows if r.mode == "incremental"])
    full = capacity([r for r in rows if r.mode == "full"])
    lines = [
        "## Capacity and frame-to-prediction latency through the server",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_line()}  ",
        f"Model `{model.name}`; `gesture serve` on 127.0.0.1 (default settings) and the clients in one machine. "
        f"Each stream sends a generated {size}x{size} RGB-D stream paced at {FPS:.0f} fps for {seconds:.0f} s "
        f"(JPEG colour + 16-bit PNG depth), hop {HOP}. Skipped: windows that came due while the stream's "
        "previous window was still being classified (or the queue was full). Latency: client side, from "
        "sending the frame that completes a window to receiving its prediction. Trials stop at the first "
        "stream count that skips 1 % or more.",
        "",
        f"Capacity (largest stream count with under 1 % skipped): **incremental {inc}**, **full window {full}**"
        + (f" ({inc / full:.2f}x)." if full else "."),
        "",
        "| mode | streams | windows | skipped | skipped % | latency p50 (ms) | latency p99 (ms) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {r.mode} | {r.streams} | {r.windows} | {r.skipped} | {r.skipped_fraction:.2%} "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} |"
        )
    return "\n".join(lines) + "\n"


def run_capacity_bench(
    model: Path, out: Path, counts: list[int], seconds: float, size: int, command: str | None = None
) -> list[TrialRow]:
    """Both modes, printed and written to the `capacity` section of `out` (`command`: the
    command line to record; by default one rebuilt from the arguments)."""
    rows = measure(model, True, counts, seconds, size) + measure(model, False, counts, seconds, size)
    console = Console()
    for r in rows:
        console.print(
            f"{r.mode:12s} streams {r.streams:3d}: windows {r.windows:5d} skipped {r.skipped_fraction:6.2%} "
            f"latency p50 {r.p50_ms:7.1f} ms p99 {r.p99_ms:7.1f} ms"
        )
    counts_text = ",".join(map(str, counts))
    command = command or f"gesture bench --suites capacity --capacity-streams {counts_text} --seconds {seconds:g}"
    write_section(out, "capacity", render(rows, model, command, seconds, size))
    return rows
