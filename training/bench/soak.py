"""Soak benchmark through the real server: N WebSocket clients each send a generated RGB-D
stream paced at 30 fps for S seconds, all at once, on the same machine (the audit's
overload: more streams than 2 cores decode). It records, per stream, whether the
connection lasted to its final stats, and the frames shed, windows classified and skipped
that the server reported; and the server's resident memory over the run (VmRSS every
second, VmHWM at the end, and VmRSS once the server has been idle long enough to give
memory back: `AFTER_S` after the last stream)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table
from websockets.asyncio.client import connect

from service.settings import Settings
from training.bench.capacity import FPS, HOP, Server, encoded_frames, send_paced
from training.bench.report import machine_line, print_table, write_section

AFTER_S = Settings().idle_give_back_s + 3.0  # the server's idle give-back, and time for it to run


@dataclass(frozen=True)
class StreamOutcome:
    """One stream: `final` is its final stats message (None: the connection ended without it)."""

    final: dict | None
    close: str


async def _one_stream(url: str, frames: list[tuple[bytes, bytes]], size: int, start_at: float) -> StreamOutcome:
    final: dict | None = None
    try:
        async with connect(url.replace("http", "ws") + "/v1/stream", max_size=None) as ws:
            start = {"type": "start", "width": size, "height": size, "fps": FPS, "hop": HOP}
            await ws.send(json.dumps(start))
            if json.loads(await ws.recv()).get("type") != "ready":
                return StreamOutcome(None, "refused")

            async def reader() -> None:
                nonlocal final
                async for text in ws:
                    msg = json.loads(text)
                    if msg["type"] == "stats" and msg["reason"] == "final":
                        final = msg
                        return

            task = asyncio.create_task(reader())
            await send_paced(ws, frames, start_at)
            await asyncio.wait_for(task, timeout=120)
        return StreamOutcome(final, "normal")
    except Exception as exc:  # a dropped connection is the finding, not a crash of the bench
        return StreamOutcome(final, f"{type(exc).__name__}: {exc}"[:120])


def status_mb(pid: int, key: str) -> float:
    """A memory figure of a running process from /proc (`VmRSS`: now, `VmHWM`: its peak), in
    MiB.

    Raises:
        RuntimeError: the process does not report `key` (never a 0 that reads as measured).
    """
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no {key}")


def soak(model: Path, streams: int, seconds: float, size: int) -> tuple[list[StreamOutcome], list[float], float, float]:
    """Run the streams; returns their outcomes, the server's RSS samples (MiB, one a second),
    its peak RSS and its RSS `AFTER_S` after the last stream ended (MiB)."""
    frames = encoded_frames(seconds, size)
    with Server(model, incremental=True, max_streams=streams) as server:
        pid = server.proc.pid
        samples: list[float] = []
        done = threading.Event()

        def sample() -> None:
            while not done.wait(1.0):
                samples.append(status_mb(pid, "VmRSS"))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter() + 0.5

        async def all_streams() -> list[StreamOutcome]:
            return await asyncio.gather(
                *(_one_stream(server.url, frames, size, t0 + i / FPS / streams) for i in range(streams))
            )

        outcomes = asyncio.run(all_streams())
        done.set()
        sampler.join()
        peak = status_mb(pid, "VmHWM")
        time.sleep(AFTER_S)
        after = status_mb(pid, "VmRSS")
    return outcomes, samples, peak, after


def render(
    outcomes: list[StreamOutcome], samples: list[float], peak: float, after: float, command: str, size: int
) -> str:
    kept = sum(o.final is not None for o in outcomes)
    total = lambda key: sum((o.final or {}).get(key, 0) or 0 for o in outcomes)  # noqa: E731
    lines = [
        "## Soak: more paced streams than the machine decodes",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_line()}  ",
        f"{len(outcomes)} streams of generated {size}x{size} RGB-D frames (JPEG colour, 16-bit PNG depth), "
        f"each paced at {FPS:g} fps, hop {HOP}, all at once, sent from the same machine as the bundled model's "
        "server. The server reads frames as they come, sheds the oldest waiting ones when it falls behind, and "
        "skips windows while one is in flight; a connection is kept when it ends with its final stats.",
        "",
        "| streams | kept to final stats | frames sent | shed unread | windows classified | windows skipped "
        f"| server RSS start / end / peak / {AFTER_S:g} s after (MiB) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- |",
        f"| {len(outcomes)} | {kept} | {total('frames')} | {total('shed')} | {total('windows')} | "
        f"{total('skipped')} | {samples[0] if samples else 0:.0f} / {samples[-1] if samples else 0:.0f} / {peak:.0f}"
        f" / {after:.0f} |",
    ]
    lost = [o.close for o in outcomes if o.final is None]
    if lost:
        lines += ["", "Connections lost: " + "; ".join(sorted(set(lost)))]
    return "\n".join(lines) + "\n"


def run_soak_bench(model: Path, out: Path, streams: int, seconds: float, size: int, command: str) -> None:
    outcomes, samples, peak, after = soak(model, streams, seconds, size)
    table = Table(title="soak")
    for col in ("stream", "final stats", "frames", "shed", "windows", "skipped", "close"):
        table.add_column(col)
    for i, o in enumerate(outcomes):
        f = o.final or {}
        row = [
            str(i),
            "yes" if o.final else "no",
            *(str(f.get(k, "-")) for k in ("frames", "shed", "windows", "skipped")),
        ]
        table.add_row(*row, o.close)
    print_table(table)
    write_section(out, "soak", render(outcomes, samples, peak, after, command, size))
