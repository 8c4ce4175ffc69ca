"""Export a network to the ONNX contract and refuse to write it unless onnxruntime agrees
with PyTorch.

Contract (see `service/inference/model_card.py`): inputs `rgb` and/or `depth`, uint8 [B, T, H, W, 3];
first output `logits` float32 [B, K] (RGB-D models also give `rgb_logits`, `depth_logits`);
dynamic batch; metadata describing labels, window, size, modalities and depth encoding.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnx
import torch

from model.capf import CrossModalFusionNetwork
from model.inference import FusionClassifier, UnimodalClassifier
from model.knn_ties import clearest_clips
from model.unimodal import UnimodalNetwork
from service.inference.model_card import ModelCard

log = logging.getLogger(__name__)
# The exporter warns about every torchvision op it cannot register; we use none.
logging.getLogger("torch.onnx._internal.exporter._registration").setLevel(logging.ERROR)
OPSET = 18


class ParityError(RuntimeError):
    """onnxruntime's outputs differ from PyTorch's beyond the tolerance."""


@dataclass(frozen=True)
class ParityReport:
    """Largest |onnx - torch| per output, relative to max(1, max |torch|), on clips whose
    k-NN attention boundary gap is at least `knn_gap` (model/knn_ties.py)."""

    max_rel_error: dict[str, float]
    batch_sizes: tuple[int, ...]
    knn_gap: float = float("inf")

    @property
    def worst(self) -> float:
        return max(self.max_rel_error.values())


def save_with_metadata(proto: onnx.ModelProto, metadata: dict[str, str], path: Path) -> None:
    """Save `proto` to `path` as one file, its metadata replaced by `metadata`."""
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.producer_name = "gesture"
    onnx.save_model(proto, str(path), save_as_external_data=False)


def _wrapper(net: UnimodalNetwork | CrossModalFusionNetwork) -> tuple[torch.nn.Module, list[str]]:
    if isinstance(net, CrossModalFusionNetwork):
        return FusionClassifier(net).eval(), ["logits", "rgb_logits", "depth_logits"]
    return UnimodalClassifier(net).eval(), ["logits"]


def _inputs(card: ModelCard, batch: int, seed: int) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    shape = (batch, card.frames, card.height, card.width, 3)
    return {m: torch.randint(0, 256, shape, generator=g, dtype=torch.uint8) for m in card.modalities}


def clear_inputs(
    wrapper: torch.nn.Module, card: ModelCard, batch: int, seed: int, pool: int = 3
) -> tuple[dict[str, torch.Tensor], float]:
    """`batch` random clips, the clearest of k-NN ties among `pool * batch` candidates: where a
    row is within rounding of a tie, two correct graphs may keep different keys."""
    candidates = _inputs(card, pool * batch, seed)
    with torch.no_grad():
        chosen, gap = clearest_clips(wrapper, wrapper, list(candidates.values()), batch)
    return dict(zip(candidates, chosen)), gap


def check_parity(
    path: Path, wrapper: torch.nn.Module, card: ModelCard, batch_sizes: tuple[int, ...] = (1, 2)
) -> ParityReport:
    """Run the ONNX file with onnxruntime (CPU) and PyTorch on the same random uint8 input."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    errors: dict[str, float] = {}
    worst_gap = float("inf")
    for i, batch in enumerate(batch_sizes):
        feeds, gap = clear_inputs(wrapper, card, batch, seed=1234 + i)
        worst_gap = min(worst_gap, gap)
        with torch.no_grad():
            ref = wrapper(*feeds.values())
        ref_list = list(ref) if isinstance(ref, tuple) else [ref]
        got = session.run(None, {k: v.numpy() for k, v in feeds.items()})
        for name, r, o in zip(card.outputs, ref_list, got):
            r_np = r.numpy()
            if o.shape != r_np.shape:
                raise ParityError(f"{name}: onnx shape {o.shape} != torch shape {r_np.shape}")
            rel = float(np.abs(o - r_np).max() / max(1.0, float(np.abs(r_np).max())))
            errors[name] = max(errors.get(name, 0.0), rel)
    return ParityReport(errors, batch_sizes, worst_gap)


def export_onnx(
    net: UnimodalNetwork | CrossModalFusionNetwork,
    card: ModelCard,
    out: Path,
    tolerance: float = 1e-3,
    parity_batches: tuple[int, ...] = (1, 2),
) -> ParityReport:
    """Export `net` (put in eval mode) with `card` as metadata; write `out` only if parity holds.

    Args:
        net: a unimodal or fusion network; its config gives frames, size and window.
        card: metadata (labels, modalities, depth encoding, source ...). Its frames, size,
            frp window, outputs and config are overwritten from the network.
        out: destination .onnx file.
        tolerance: largest accepted |onnx - torch| / max(1, max |torch|).
        parity_batches: batch sizes the parity check runs.

    Raises:
        ParityError: outputs differ; nothing is written.
    """
    net = net.eval()
    cfg = net.cfg
    wrapper, outputs = _wrapper(net)
    card = dataclasses.replace(
        card,
        frames=cfg.frames,
        height=cfg.size,
        width=cfg.size,
        frp_window=cfg.frp_window,
        outputs=outputs,
        profile=card.profile or cfg.profile,
        config=dataclasses.asdict(cfg),
    )
    if isinstance(net, CrossModalFusionNetwork) and card.modalities != ["rgb", "depth"]:
        raise ValueError("an RGB-D fusion network needs modalities ['rgb', 'depth']")
    program = _trace(wrapper, card, outputs)
    return write_checked(program.model_proto, wrapper, card, out, tolerance, parity_batches)


def _trace(wrapper: torch.nn.Module, card: ModelCard, outputs: list[str]) -> torch.onnx.ONNXProgram:
    """The dynamo ONNX export of `wrapper` (dynamic batch), optimised by onnxscript."""
    example = tuple(_inputs(card, 2, seed=0).values())
    batch = torch.export.Dim("batch", min=1, max=1024)
    dynamic = [{0: batch} for _ in card.modalities]  # positional: wrapper arg names differ
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        return torch.onnx.export(
            wrapper,
            example,
            input_names=list(card.modalities),
            output_names=outputs,
            dynamic_shapes=dynamic,
            opset_version=OPSET,
            dynamo=True,
            verbose=False,
        )


def write_checked(
    proto: onnx.ModelProto,
    wrapper: torch.nn.Module,
    card: ModelCard,
    out: Path,
    tolerance: float = 1e-3,
    parity_batches: tuple[int, ...] = (1, 2),
) -> ParityReport:
    """Write `proto` with `card` as its metadata to `out`, atomically, only if onnxruntime
    running it agrees with `wrapper` (the PyTorch module it was exported from).

    Raises:
        ParityError: outputs differ beyond `tolerance`; nothing is written.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        tmp_path = Path(tmp) / "model.onnx"
        save_with_metadata(proto, card.to_metadata(), tmp_path)
        report = check_parity(tmp_path, wrapper, card, parity_batches)
        if report.worst > tolerance:
            raise ParityError(
                f"onnxruntime differs from PyTorch: {report.max_rel_error} > {tolerance} "
                f"(k-NN boundary gap of the inputs {report.knn_gap:.2g}); {out} not written"
            )
        os.replace(tmp_path, out)
    log.info("wrote %s (parity %s)", out, report.max_rel_error)
    return report
