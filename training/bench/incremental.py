"""Incremental streaming benchmark, in one run:

1. Work per hop: GFLOPs (torch.utils.flop_counter) and onnxruntime time of the full-window
   graph vs the frame stage on the hop's new grid frames + one window-stage pass, per
   profile, side by side (untrained weights: cost does not depend on them).
2. Agreement: a model's incremental predictions on generated held-out streams against the
   full-window graph on the same sampled frames (top-1 per window, event sequences), and
   the event sequence of the ordinary full-window stream path (which samples each window
   afresh), with each one's Levenshtein accuracy against the ground truth.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table
from torch.utils.flop_counter import FlopCounterMode
from tqdm import tqdm

from model import build_model, get_profile
from model.inference import FusionClassifier
from model.stages import FrameStage, WindowStage
from service.inference.model_card import ModelCard, read_model_card
from service.inference.onnx_session import OnnxModel, SessionOptions
from service.inference.prepare import prepare_frames
from service.inference.stages import load_stages, stage_paths
from service.streaming.events import EventDetector, levenshtein_accuracy
from service.streaming.incremental import IncrementalStream
from service.streaming.windows import classify_windows, softmax
from training.bench.report import machine_line, print_table, write_section
from training.bench.timing import median_ms
from training.evaluation.streams import load_streams
from training.export.onnx import export_onnx
from training.export.stages import export_stages

# Raw frames a streaming window spans, per profile: lite is the bundled model's 48 frames
# sampled to 16 (stride 3); paper takes 64 consecutive frames (stride 1), as NvGesture.
STREAM_WINDOW = {"tiny": 16, "lite": 48, "paper": 64}


@dataclass
class HopRow:
    profile: str
    hop: int
    stride: int
    new_frames: float  # grid frames per hop (mean)
    full_gflops: float
    hop_gflops: float
    full_ms: float
    hop_ms: float

    @property
    def work_ratio(self) -> float:
        return self.full_gflops / self.hop_gflops

    @property
    def time_ratio(self) -> float:
        return self.full_ms / self.hop_ms


@dataclass
class AgreementRow:
    model: str
    streams: int
    windows: int
    top1_agreement: float
    same_events_streams: int  # incremental == full graph on the same frames
    same_as_path_streams: int  # ... == the ordinary full-window path too
    incremental_accuracy: float
    same_frames_accuracy: float
    full_path_accuracy: float
    gestures: int


def _flops(fn: Callable[[], object]) -> float:
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        fn()
    return counter.get_total_flops() / 1e9


def bench_hop(profile: str, hop: int, repeats: int, threads: int, workdir: Path, staged: Path | None = None) -> HopRow:
    """Full window vs one hop of incremental work for an RGB-D network of `profile`.

    Work is counted on a fresh PyTorch network; time is measured on `staged` (an RGB-D model
    of this profile and stream window, with its stages) or, without it, on a fresh export
    (minutes for the larger profiles). Weights change neither work nor time."""
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    cfg = get_profile(profile)
    net = build_model(cfg, "rgbd").eval()
    window = STREAM_WINDOW[profile]
    stride = window // cfg.frames
    # Windows every `hop` raw frames bring hop/stride grid frames on average: n and n+1.
    lo = max(1, hop // stride)
    share_hi = hop / stride - lo if hop % stride else 0.0
    frame, stage = FrameStage(net).eval(), WindowStage(net).eval()
    seen = torch.full((1,), 10 * cfg.frames, dtype=torch.int64)
    state = frame.zero_state(1)

    def frames(n: int) -> list[torch.Tensor]:
        return [torch.randint(0, 256, (1, n, cfg.size, cfg.size, 3), dtype=torch.uint8) for _ in range(2)]

    full_in = frames(cfg.frames)
    feats = [torch.randn(1, cfg.frames, cfg.dim) for _ in range(2)]
    wrapper = FusionClassifier(net).eval()
    full_gflops = _flops(lambda: wrapper(*full_in))
    window_gflops = _flops(lambda: stage(*feats))

    def hop_gflops(n: int) -> float:
        return _flops(lambda: frame(*frames(n), seen, *state)) + window_gflops

    gflops = (1 - share_hi) * hop_gflops(lo) + share_hi * hop_gflops(lo + 1)

    card = ModelCard(
        labels=[str(i) for i in range(cfg.num_classes)],
        modalities=["rgb", "depth"],
        frames=cfg.frames,
        height=cfg.size,
        width=cfg.size,
        frp_window=cfg.frp_window,
        stream_window=window,
        source="bench",
    )
    path = staged if staged is not None else workdir / f"{profile}.onnx"
    if staged is None:
        export_onnx(net, card, path, parity_batches=(1,))
        export_stages(net, read_model_card(str(path))[0], path)
    options = SessionOptions(providers=("CPUExecutionProvider",), threads=threads)
    model = OnnxModel(path, options)
    # The two stage sessions take turns: without spinning, neither's idle pool threads
    # compete with the other's run (the service gives each stage one thread instead).
    stages = load_stages(path, model.card, dataclasses.replace(options, spin=False))
    assert stages is not None
    full_feeds = {"rgb": full_in[0].numpy(), "depth": full_in[1].numpy()}
    full_ms = median_ms(lambda: model.run(full_feeds), repeats)
    state_np = {n: np.random.default_rng(0).random(a.shape).astype(a.dtype) for n, a in stages.zero_state.items()}
    window_feeds = {f"features_{m}": f.numpy() for m, f in zip(("rgb", "depth"), feats)}
    # any other window-stage input (the hand tones of a model with that head): zeros of its shape
    for name, arg in stages.window.inputs.items():
        window_feeds.setdefault(name, np.zeros([1, *arg.shape[1:]], np.float32))

    def one_hop(n: int) -> Callable[[], object]:
        new = {m: f.numpy() for m, f in zip(("rgb", "depth"), frames(n))}
        feeds = {**new, "seen": seen.numpy(), **state_np}
        return lambda: (stages.frame.run(feeds), stages.window.run(window_feeds))

    hop_ms = (1 - share_hi) * median_ms(one_hop(lo), repeats)
    if share_hi:
        hop_ms += share_hi * median_ms(one_hop(lo + 1), repeats)
    return HopRow(profile, hop, stride, hop / stride, full_gflops, gflops, full_ms, hop_ms)


def _run_incremental(model: OnnxModel, stages, rgb: np.ndarray, depth: np.ndarray, hop: int):  # type: ignore[no-untyped-def]
    """Every window of one stream: (incremental probs, same-frames full probs, end frame)."""
    card = model.card
    session = IncrementalStream(card, stages, hop, card.stream_window)
    out = []
    for i in range(len(rgb)):
        if session.push(i, rgb[i], depth[i]) is None:
            continue
        work = session.frame_work()
        assert work is not None  # a due window has pending grid frames
        rows = stages.frame.run(work.inputs)
        feeds = session.absorb(work, {k: v[0] for k, v in rows.items()})
        inc = softmax(stages.window.run(feeds)[card.outputs[0]][0])
        grid = [session.offset + session.stride * j for j in range(session.seen - card.frames, session.seen)]
        full = softmax(model.logits(prepare_frames(rgb[grid], depth[grid], card))[0])
        out.append((inc, full, i))
    return out


def _events(card: ModelCard, probs: list[np.ndarray], ends: list[int], span: int) -> list[int]:
    detector = EventDetector(card.labels)
    events = []
    for p, end in zip(probs, ends):
        e = detector.update(p, max(0, end - span + 1), end)
        if e is not None:
            events.append(e.label_id)
    return events


def bench_agreement(model_path: Path, data: Path, hop: int, threads: int) -> AgreementRow:
    """Incremental vs full-window predictions of one staged model on held-out streams."""
    options = SessionOptions(providers=("CPUExecutionProvider",), threads=threads)
    model = OnnxModel(model_path, options)
    stages = load_stages(model_path, model.card, options)
    if stages is None:
        raise FileNotFoundError(f"{model_path} has no stages (x.frame.onnx, x.window.onnx): export it with stages")
    card = model.card
    windows = agree = same_events = same_as_path = gestures = 0
    errors = {"inc": 0.0, "same": 0.0, "path": 0.0}
    streams = load_streams(data)
    for _, rgb, depth, meta in tqdm(streams, desc="streams", unit="stream"):
        rows = _run_incremental(model, stages, rgb, depth, hop)
        ends = [r[2] for r in rows]
        inc_events = _events(card, [r[0] for r in rows], ends, card.stream_window)
        same_events_ = _events(card, [r[1] for r in rows], ends, card.stream_window)
        _, path_events = classify_windows(rgb, depth, card, model.logits, hop)
        truth = [g["label"] for g in meta["events"]]
        windows += len(rows)
        agree += sum(int(np.argmax(a) == np.argmax(b)) for a, b, _ in rows)
        same_events += int(inc_events == same_events_)
        same_as_path += int(inc_events == same_events_ == [e.label_id for e in path_events])
        gestures += len(truth)
        for key, detected in (("inc", inc_events), ("same", same_events_), ("path", [e.label_id for e in path_events])):
            errors[key] += len(truth) * (1 - levenshtein_accuracy(truth, detected))
    acc = {k: (gestures - v) / gestures for k, v in errors.items()}
    return AgreementRow(
        model_path.name,
        len(streams),
        windows,
        agree / windows,
        same_events,
        same_as_path,
        acc["inc"],
        acc["same"],
        acc["path"],
        gestures,
    )


def render(hops: list[HopRow], agreement: AgreementRow | None, command: str, threads: int, repeats: int) -> str:
    lines = [
        "## Incremental streaming: full window vs one hop",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_line()}  ",
        f"onnxruntime on the CPU with {threads} threads (the stage sessions without thread spinning, as they "
        f"take turns), batch 1, median of {repeats} runs after one warm-up. "
        "A hop's work is the frame stage on the grid frames that arrived during the hop (hop / stride on "
        "average; it also recomputes the provisional newest frames and the window's left edge, see "
        "docs/incremental.md) plus one window-stage pass (RCM, DTN, CAPF); its result equals the full "
        "window's. GFLOPs count a multiply-add as 2 (torch.utils.flop_counter).",
        "",
        "| profile | stream window | stride | hop | new frames / hop | GFLOPs full | GFLOPs / hop "
        "| work ratio | full (ms) | hop (ms) | time ratio |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in hops:
        lines.append(
            f"| {r.profile} | {STREAM_WINDOW[r.profile]} | {r.stride} | {r.hop} | {r.new_frames:.2f} "
            f"| {r.full_gflops:.3g} | {r.hop_gflops:.3g} | {r.work_ratio:.1f}x | {r.full_ms:.1f} | {r.hop_ms:.1f} "
            f"| {r.time_ratio:.1f}x |"
        )
    if agreement is not None:
        a = agreement
        lines += [
            "",
            f"Agreement on {a.streams} generated held-out streams ({a.gestures} gestures, {a.windows} windows, "
            f"model `{a.model}`, hop {hops[0].hop if hops else 4}): the incremental prediction of each window "
            "against the full-window graph on the same sampled frames, and the event sequences of the "
            "incremental stream, of the full-window graph on the same frames, and of the ordinary "
            "full-window stream path (which re-samples each window at its own phase).",
            "",
            "| top-1 agreement | identical events: incremental = same frames | all three "
            "| Levenshtein: incremental | same frames, full graph | full-window path |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
            f"| {a.top1_agreement:.2%} | {a.same_events_streams} / {a.streams} "
            f"| {a.same_as_path_streams} / {a.streams} "
            f"| {a.incremental_accuracy:.2%} | {a.same_frames_accuracy:.2%} | {a.full_path_accuracy:.2%} |",
        ]
    return "\n".join(lines) + "\n"


def _staged_of(model: Path, profile: str) -> bool:
    """Whether `model` is an RGB-D model of `profile` at its bench stream window, with stages."""
    card, _ = read_model_card(str(model))
    return (
        card.profile == profile
        and card.modalities == ["rgb", "depth"]
        and card.stream_window == STREAM_WINDOW[profile]
        and all(p.is_file() for p in stage_paths(model))
    )


def run_incremental_bench(
    profiles: list[str],
    model: Path | None,
    data: Path,
    out: Path,
    hop: int,
    repeats: int,
    threads: int,
    command: str | None = None,
) -> tuple[list[HopRow], AgreementRow | None]:
    """Measure, print and rewrite the `incremental` section of `out` (`command`: the
    command line to record; by default one rebuilt from the arguments)."""
    hops = []
    with tempfile.TemporaryDirectory() as tmp:
        for profile in tqdm(profiles, desc="profiles (export + time)", unit="profile"):
            staged = model if model is not None and _staged_of(model, profile) else None
            hops.append(bench_hop(profile, hop, repeats, threads, Path(tmp), staged))
    agreement = bench_agreement(model, data, hop, threads) if model is not None else None
    table = Table(title=f"full window vs one hop (hop {hop})")
    for col in ("profile", "GFLOPs full", "GFLOPs/hop", "work ratio", "full ms", "hop ms", "time ratio"):
        table.add_column(col)
    for r in hops:
        table.add_row(
            r.profile,
            f"{r.full_gflops:.2f}",
            f"{r.hop_gflops:.2f}",
            f"{r.work_ratio:.1f}x",
            f"{r.full_ms:.1f}",
            f"{r.hop_ms:.1f}",
            f"{r.time_ratio:.1f}x",
        )
    console = Console()
    print_table(table)
    if agreement is not None:
        console.print(
            f"top-1 agreement {agreement.top1_agreement:.2%} over {agreement.windows} windows; identical events "
            f"in {agreement.same_events_streams}/{agreement.streams} streams"
        )
    names = ",".join(profiles)
    command = command or f"gesture bench --suites incremental --profiles {names} --hop {hop} --threads {threads}"
    write_section(out, "incremental", render(hops, agreement, command, threads, repeats))
    return hops, agreement
