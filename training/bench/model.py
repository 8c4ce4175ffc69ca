"""Model benchmark: parameters, GFLOPs per window, and per-window CPU latency of eager
PyTorch vs onnxruntime for each profile, measured side by side in one run."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from rich.table import Table
from torch.utils.flop_counter import FlopCounterMode
from tqdm import tqdm

from model import build_model, get_profile
from model.capf import CrossModalFusionNetwork
from model.inference import FusionClassifier
from service.inference.model_card import ModelCard
from training.bench.report import machine_line, print_table, write_section
from training.bench.timing import median_ms
from training.export.onnx import export_onnx


@dataclass
class ModelRow:
    """One row: a profile's untrained RGB-D network, or a model file (`--model`), whose
    modalities may be one only (then `params_unimodal_m` is its network's and
    `params_rgbd_m` None)."""

    profile: str
    frames: int
    size: int
    params_unimodal_m: float
    params_rgbd_m: float | None
    gflops_rgbd: float
    eager_ms: float
    onnx_ms: float

    @property
    def ratio(self) -> float:
        return self.eager_ms / self.onnx_ms

    def peak_fraction(self, peak_gflops: float) -> float:
        """Achieved GFLOP/s of the onnxruntime window over the machine's MatMul peak."""
        return self.gflops_rgbd / (self.onnx_ms / 1000) / peak_gflops


def _params(net: torch.nn.Module) -> float:
    return sum(p.numel() for p in net.parameters()) / 1e6


def _eager(wrapper: torch.nn.Module, inputs: list[torch.Tensor], repeats: int) -> tuple[float, float]:
    """(GFLOPs of one call, median eager milliseconds) of `wrapper(*inputs)`."""
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        wrapper(*inputs)
    with torch.no_grad():
        eager = median_ms(lambda: wrapper(*inputs), repeats)
    return counter.get_total_flops() / 1e9, eager


def _onnx_ms(path: Path, feeds: dict[str, Any], threads: int, repeats: int) -> float:
    """Median onnxruntime (CPU) milliseconds of one run of the model at `path` on `feeds`."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return median_ms(lambda: session.run(["logits"], feeds), repeats)


def bench_profile(profile: str, repeats: int, threads: int, workdir: Path) -> ModelRow:
    """Measure one profile's RGB-D network at batch 1."""
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    cfg = get_profile(profile)
    net = build_model(cfg, "rgbd").eval()
    assert isinstance(net, CrossModalFusionNetwork)
    wrapper = FusionClassifier(net).eval()
    shape = (1, cfg.frames, cfg.size, cfg.size, 3)
    rgb = torch.randint(0, 256, shape, dtype=torch.uint8)
    depth = torch.randint(0, 256, shape, dtype=torch.uint8)
    gflops, eager = _eager(wrapper, [rgb, depth], repeats)
    card = ModelCard(
        labels=[str(i) for i in range(cfg.num_classes)],
        modalities=["rgb", "depth"],
        frames=cfg.frames,
        height=cfg.size,
        width=cfg.size,
        frp_window=cfg.frp_window,
        source="bench",
    )
    path = workdir / f"{profile}.onnx"
    export_onnx(net, card, path, parity_batches=(1,))
    onnx_ms = _onnx_ms(path, {"rgb": rgb.numpy(), "depth": depth.numpy()}, threads, repeats)
    uni = build_model(cfg, "rgb")
    return ModelRow(profile, cfg.frames, cfg.size, _params(uni), _params(net), gflops, eager, onnx_ms)


def bench_model_file(path: Path, repeats: int, threads: int) -> ModelRow:
    """Measure one of our exported models as it is (`gesture bench --model`): its network
    read back from the graph (training/adapt/onnx_weights.py) for parameters, GFLOPs and
    eager PyTorch, and the file itself through onnxruntime.

    Raises:
        FileNotFoundError, OnnxWeightsError: not one of our exports.
    """
    from model.inference import UnimodalClassifier
    from training.adapt.onnx_weights import read_network

    torch.set_num_threads(threads)
    net, card = read_network(path, check=False)
    wrapper = (FusionClassifier(net) if isinstance(net, CrossModalFusionNetwork) else UnimodalClassifier(net)).eval()
    generator = torch.Generator().manual_seed(0)
    shape = (1, card.frames, card.height, card.width, 3)
    frames = [torch.randint(0, 256, shape, dtype=torch.uint8, generator=generator) for _ in card.modalities]
    gflops, eager = _eager(wrapper, frames, repeats)
    onnx_ms = _onnx_ms(path, {m: f.numpy() for m, f in zip(card.modalities, frames)}, threads, repeats)
    fused = isinstance(net, CrossModalFusionNetwork)
    unimodal = _params(net.Modalit_rgb) if fused else _params(net)
    name = f"{path.name} ({card.profile}, {'+'.join(card.modalities)})"
    return ModelRow(
        name, card.frames, card.height, unimodal, _params(net) if fused else None, gflops, eager, onnx_ms
    )  # fmt: skip


def render(rows: list[ModelRow], command: str, threads: int, repeats: int, peak: float) -> str:
    lines = [
        "## Model: parameters, GFLOPs and CPU latency per RGB-D window",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_line()}  ",
        f"Threads: {threads} (PyTorch and onnxruntime); batch 1; median of {repeats} runs after one "
        "warm-up; uint8 frames in, logits out (normalisation and FRP guidance included).  ",
        "GFLOPs count a multiply-add as 2 FLOPs (torch.utils.flop_counter); the paper's "
        '"GFLOP" figures count multiply-adds, i.e. half these numbers.  ',
        f"Machine peak: {peak:.1f} GFLOP/s, a 2048 x 2048 x 2048 float32 MatMul through onnxruntime with the "
        "same threads (median of 5); fraction of peak = (GFLOPs / window) / (onnxruntime seconds / window) / peak.",
        "",
        "| profile | window | params unimodal (M) | params RGB-D (M) | GFLOPs / RGB-D window "
        "| eager PyTorch (ms) | onnxruntime (ms) | eager / onnxruntime | fraction of peak |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        rgbd = "-" if r.params_rgbd_m is None else f"{r.params_rgbd_m:.2f}"
        lines.append(
            f"| {r.profile} | {r.frames} x {r.size}px | {r.params_unimodal_m:.2f} | {rgbd} "
            f"| {r.gflops_rgbd:.2f} | {r.eager_ms:.1f} | {r.onnx_ms:.1f} | {r.ratio:.2f} "
            f"| {r.peak_fraction(peak):.1%} |"
        )
    return "\n".join(lines) + "\n"


def run_model_bench(
    profiles: list[str],
    out: Path,
    repeats: int,
    threads: int,
    command: str | None = None,
    model_files: list[Path] = (),  # type: ignore[assignment]
) -> list[ModelRow]:
    """Measure every profile (untrained) and every model file as it is, print a table and
    rewrite the model section of `out`."""
    from training.bench.peak import matmul_peak_gflops

    peak = matmul_peak_gflops(threads)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for profile in tqdm(profiles, desc="profiles", unit="profile"):
            rows.append(bench_profile(profile, repeats, threads, Path(tmp)))
    from training.adapt.onnx_weights import OnnxWeightsError

    for path in model_files:
        try:
            rows.append(bench_model_file(Path(path), repeats, threads))
        except (FileNotFoundError, OnnxWeightsError) as exc:
            tqdm.write(f"model suite: {path} not measured: {exc}")
    table = Table(title="RGB-D window, batch 1")
    for col in ("profile", "params (M)", "GFLOPs", "eager ms", "onnxruntime ms", "ratio", "of peak"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.profile,
            f"{r.params_unimodal_m if r.params_rgbd_m is None else r.params_rgbd_m:.2f}",
            f"{r.gflops_rgbd:.2f}",
            f"{r.eager_ms:.1f}",
            f"{r.onnx_ms:.1f}",
            f"{r.ratio:.2f}",
            f"{r.peak_fraction(peak):.1%}",
        )
    print_table(table)
    command = command or f"gesture bench --profiles {','.join(profiles)} --repeats {repeats} --threads {threads}"
    write_section(out, "model", render(rows, command, threads, repeats, peak))
    return rows
