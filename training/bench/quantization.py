"""Quantisation benchmark: the float model against its int8 versions (static QDQ calibrated
on training clips, and dynamic), held-out top-1 and CPU latency per window, one run."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rich.table import Table

from service.inference.onnx_session import OnnxModel, SessionOptions
from training.bench.report import machine_line, print_table, write_section
from training.bench.timing import median_ms
from training.evaluation.clips import evaluate
from training.export.quantize import quantize_model

MAX_LOSS_POINTS = 1.0  # the most top-1 an int8 model may lose to be offered


@dataclass
class QuantRow:
    variant: str
    top1: float
    ms: float
    size_mb: float


def _latency_ms(path: Path, threads: int, repeats: int) -> float:
    model = OnnxModel(path, SessionOptions(threads=threads))
    c = model.card
    rng = np.random.default_rng(0)
    inputs = {m: rng.integers(0, 256, (1, c.frames, c.height, c.width, 3), dtype=np.uint8) for m in c.modalities}
    return median_ms(lambda: model.logits(inputs), repeats)


def run_quantization_bench(
    model: Path,
    heldout: Path,
    calibration: Path,
    out: Path,
    threads: int,
    repeats: int,
    clips: int = 64,
    command: str | None = None,
) -> list[QuantRow]:
    """Quantise, evaluate and time every variant; print and write the section."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        variants = {"float32": model}
        variants["int8 static"] = quantize_model(model, Path(tmp) / "static.onnx", "static", calibration, clips)
        variants["int8 dynamic"] = quantize_model(model, Path(tmp) / "dynamic.onnx", "dynamic")
        for name, path in variants.items():
            report, _ = evaluate(path, heldout, split="all", progress=True)
            rows.append(QuantRow(name, report.top1, _latency_ms(path, threads, repeats), path.stat().st_size / 1e6))
    base = rows[0]
    table = Table(title="int8 quantisation")
    for col in ("variant", "held-out top-1 %", "loss (points)", "ms / window", "speed-up", "MB"):
        table.add_column(col)
    lines = [
        "## Quantisation: int8 against float32 (CPU)",
        "",
        "Command: `"
        + (
            command
            or f"gesture bench --suites quantization --model {model} --data {heldout} "
            f"--calibration {calibration} --threads {threads} --repeats {repeats}"
        )
        + "`  ",
        f"Machine: {machine_line()}  ",
        f"Held-out clips: every clip of `{heldout}`; static calibration on {clips} training clips of "
        f"`{calibration}`; latency: median of {repeats} batch-1 windows after one warm-up, {threads} threads. "
        f"An int8 variant is offered only if it loses under {MAX_LOSS_POINTS:g} point of top-1.",
        "",
        "| variant | held-out top-1 (%) | loss (points) | ms / window | speed-up | size (MB) | offered |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        loss = (base.top1 - r.top1) * 100
        offered = "yes" if r is base or loss < MAX_LOSS_POINTS else "no"
        lines.append(
            f"| {r.variant} | {r.top1 * 100:.2f} | {loss:.2f} | {r.ms:.1f} | {base.ms / r.ms:.2f} | "
            f"{r.size_mb:.1f} | {offered} |"
        )
        table.add_row(
            r.variant, f"{r.top1 * 100:.2f}", f"{loss:.2f}", f"{r.ms:.1f}", f"{base.ms / r.ms:.2f}", f"{r.size_mb:.1f}"
        )
    print_table(table)
    write_section(out, "quantization", "\n".join(lines) + "\n")
    return rows
