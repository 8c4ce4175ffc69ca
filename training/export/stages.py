"""Export the two incremental-streaming stages next to a full-window ONNX model.

`model.onnx` gets `model.frame.onnx` (new frames + stream state -> the spatial features of
the stream's newest window and the next state) and `model.window.onnx` (T features ->
logits). Both carry the full model card plus `stage` and `state` keys; the service uses them when both are present
and their card matches the full model's, and full windows otherwise.

Nothing is written unless (1) onnxruntime agrees with PyTorch on each stage, for several
batch sizes and numbers of new frames, and (2) the stages composed from an empty stream
state reproduce the full-window logits.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from model.capf import CrossModalFusionNetwork
from model.stages import FrameStage, WindowStage
from model.unimodal import UnimodalNetwork
from service.inference.model_card import ModelCard
from service.inference.stages import stage_paths
from training.export.onnx import OPSET, ParityError, ParityReport, export_onnx, save_with_metadata

log = logging.getLogger(__name__)


def supports_stages(net: UnimodalNetwork | CrossModalFusionNetwork) -> bool:
    """False for the official CAPF layout (its spatial interaction mixes frames) and for
    windows too short for the incremental left edge."""
    if isinstance(net, CrossModalFusionNetwork) and net.cfg.fusion.layout != "per_frame":
        return False
    try:
        FrameStage(net)
    except ValueError:
        return False
    return True


def _save(program: torch.onnx.ONNXProgram, card: ModelCard, extra: dict[str, str], path: Path) -> None:
    save_with_metadata(program.model_proto, {**card.to_metadata(), **extra}, path)


def _export(
    module: torch.nn.Module, args: tuple, names: list[str], outputs: list[str], dynamic: list
) -> torch.onnx.ONNXProgram:
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        return torch.onnx.export(
            module,
            args,
            input_names=names,
            output_names=outputs,
            dynamic_shapes=(tuple(dynamic),),
            opset_version=OPSET,
            dynamo=True,
            verbose=False,
        )


def _frame_args(stage: FrameStage, card: ModelCard, batch: int, new: int, seed: int, random_state: bool) -> tuple:
    g = torch.Generator().manual_seed(seed)
    shape = (batch, new, card.height, card.width, 3)
    frames = [torch.randint(0, 256, shape, generator=g, dtype=torch.uint8) for _ in stage.modalities]
    state = stage.zero_state(batch)
    if random_state:  # plausible non-negative activations, so parity covers the cached path
        state = [
            torch.randint(0, 256, s.shape, generator=g, dtype=torch.uint8)
            if s.dtype == torch.uint8
            else torch.rand(s.shape, generator=g)
            for s in state
        ]
    seen = torch.full((batch,), 0 if not random_state else 40, dtype=torch.int64)
    return (*frames, seen, *state)


def _clear_window_args(net: torch.nn.Module, frame: FrameStage, card: ModelCard, batch: int, seed: int) -> tuple:
    """Zero-state frame-stage args on `batch` full windows clear of k-NN ties (training/export/onnx.py)."""
    from training.export.onnx import _wrapper, clear_inputs

    feeds, _ = clear_inputs(_wrapper(net)[0], card, batch, seed)
    return (*feeds.values(), torch.zeros(batch, dtype=torch.int64), *frame.zero_state(batch))


def _max_rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).max() / max(1.0, float(np.abs(b).max())))


def _parity(path: Path, module: torch.nn.Module, cases: list[tuple], names: list[str]) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    worst = 0.0
    for args in cases:
        with torch.no_grad():
            ref = module(*args)
        ref = ref if isinstance(ref, tuple) else (ref,)
        got = session.run(None, {n: a.numpy() for n, a in zip(names, args)})
        for r, o in zip(ref, got):
            if o.shape != tuple(r.shape):
                raise ParityError(f"{path.name}: onnx shape {o.shape} != torch {tuple(r.shape)}")
            worst = max(worst, _max_rel(o, r.numpy().astype(o.dtype)))
    return worst


def export_stages(
    net: UnimodalNetwork | CrossModalFusionNetwork, card: ModelCard, out: Path, tolerance: float = 1e-3
) -> dict[str, float]:
    """Write the frame and window stages of `net` next to `out` (the full-window file).

    Args:
        card: the full model's card as exported (frames, size, outputs filled in).

    Returns:
        Worst relative error per check: `frame`, `window` (onnxruntime vs PyTorch) and
        `composed` (stages from an empty state vs the full network, in PyTorch).

    Raises:
        ValueError: the network has no per-frame stage (official CAPF layout).
        ParityError: a check failed; nothing is written.
    """
    if not supports_stages(net):
        raise ValueError("the official CAPF layout mixes frames: export full windows only")
    net = net.eval()
    frame = FrameStage(net, card.modalities[0]).eval()
    window = WindowStage(net).eval()
    mods = frame.modalities
    states = frame.state_names()
    frame_inputs = [*mods, "seen", *states]
    frame_outputs = frame.output_names()
    windows = frame.window_names()
    feature_names = [f"features_{n.removeprefix('window_')}" for n in windows]  # window-stage inputs
    batch = torch.export.Dim("batch", min=1, max=1024)
    new = torch.export.Dim("new_frames", min=1, max=4096)
    frame_dynamic = [{0: batch, 1: new} for _ in mods] + [{0: batch}] + [{0: batch} for _ in states]
    extra = {"state": json.dumps(states)}
    frame_path, window_path = stage_paths(out)
    t = card.frames
    with tempfile.TemporaryDirectory(dir=Path(out).parent) as tmp:
        tmp_frame, tmp_window = Path(tmp) / "frame.onnx", Path(tmp) / "window.onnx"
        example = _frame_args(frame, card, 2, 3, seed=0, random_state=True)
        _save(
            _export(frame, example, frame_inputs, frame_outputs, frame_dynamic),
            card,
            {**extra, "stage": "frame"},
            tmp_frame,
        )
        clear = _clear_window_args(net, frame, card, 2, seed=1)
        with torch.no_grad():
            feats = frame(*clear)[: len(windows)]
        window_args = tuple(feats)
        _save(
            _export(window, window_args, feature_names, list(card.outputs), [{0: batch} for _ in windows]),
            card,
            {**extra, "stage": "window"},
            tmp_window,
        )
        cases = [
            _frame_args(frame, card, b, n, seed=10 + b + n, random_state=r)
            for b, n, r in ((1, 1, True), (2, 4, True), (1, t, False))
        ]
        report = {"frame": _parity(tmp_frame, frame, cases, frame_inputs)}
        report["window"] = _parity(tmp_window, window, [window_args, tuple(f[:1] for f in window_args)], feature_names)
        report["composed"] = _composed_error(net, frame, window, clear)
        if max(report.values()) > tolerance:
            raise ParityError(f"stage export failed its checks {report} > {tolerance}; nothing written")
        os.replace(tmp_frame, frame_path)
        os.replace(tmp_window, window_path)
    log.info("wrote %s and %s (%s)", frame_path, window_path, report)
    return report


def _composed_error(net: torch.nn.Module, frame: FrameStage, window: WindowStage, args: tuple) -> float:
    """Stages from the zero state on `args` (full windows, `_clear_window_args`) vs the full
    network, in PyTorch."""
    from training.export.onnx import _wrapper

    full, _ = _wrapper(net)
    k = len(frame.modalities)
    with torch.no_grad():
        ref = full(*args[:k])
        feats = frame(*args)[: len(frame.window_names())]
        got = window(*feats)
    ref = ref if isinstance(ref, tuple) else (ref,)
    got = got if isinstance(got, tuple) else (got,)
    return max(_max_rel(g.numpy(), r.numpy()) for g, r in zip(got, ref))


def export_with_stages(
    net: UnimodalNetwork | CrossModalFusionNetwork, card: ModelCard, out: Path, stages: bool = True
) -> ParityReport:
    """`export_onnx(net, card, out)`, then the incremental stages beside it where the network
    has them (`stages` False: the full-window file only).

    Raises:
        ParityError: a parity check failed (the full file may exist when a stage failed).
    """
    from service.inference.model_card import read_model_card

    report = export_onnx(net, card, out)
    if stages and supports_stages(net):
        written, _ = read_model_card(str(out))  # the card as exported (frames, size, outputs filled in)
        export_stages(net, written, out)
    return report
