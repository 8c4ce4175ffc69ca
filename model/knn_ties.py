"""How far a network's k-NN attention is from a tie at its top-k boundary (parity checks).

k-NN attention keeps the k largest scores of each row. When the k-th and (k+1)-th scores are
within float32 rounding of each other, the kept set depends on how a matmul was blocked,
which changes with the batch size and between PyTorch and onnxruntime: two correct graphs
then disagree by far more than rounding (docs/model.md, "k-NN attention"). A parity check
is meaningful only where every row has a clear gap at its boundary: `knn_boundary_gap`
measures it, `clearest_clips` picks inputs where it is.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from model.transformer import KNNAttention

# Float32 rounding moves a score by up to ~15 eps of its row's largest magnitude between
# batch sizes (measured on AMD EPYC and Intel Xeon); 1e-4 is about 800 eps.
CLEAR_GAP = 1e-4


def _row_gaps(module: KNNAttention, x: torch.Tensor) -> torch.Tensor:
    """[B, N, D] input of a KNNAttention -> [B] smallest relative boundary gap per clip."""
    b, n, _ = x.shape
    keep = int(n * module.knn_ratio)
    if not 0 < keep < n:
        return torch.full((b,), float("inf"))
    qkv = module.to_qkv(x).view(b, n, 3, module.heads, -1).permute(2, 0, 3, 1, 4)
    dots = torch.matmul(qkv[0], qkv[1].transpose(-1, -2)) * module.scale  # [B, h, N, N]
    ordered = dots.sort(dim=-1, descending=True).values
    gap = (ordered[..., keep - 1] - ordered[..., keep]) / ordered.abs().amax(dim=-1).clamp_min(1e-12)
    return gap.flatten(1).amin(dim=1)


def knn_boundary_gap(run: Callable[[], object], net: torch.nn.Module) -> torch.Tensor:
    """Call `run()` (a forward pass of `net`) and return [B]: for each clip, the smallest gap
    between the k-th and (k+1)-th score of any k-NN attention row, relative to the row's
    largest |score|."""
    gaps: list[torch.Tensor] = []
    hooks = [
        m.register_forward_pre_hook(lambda mod, args: gaps.append(_row_gaps(mod, args[0])))
        for m in net.modules()
        if isinstance(m, KNNAttention)
    ]
    try:
        with torch.no_grad():
            run()
    finally:
        for hook in hooks:
            hook.remove()
    if not gaps:
        raise ValueError("the network has no k-NN attention")
    return torch.stack(gaps).amin(dim=0)


def clearest_clips(
    run: Callable[..., object], net: torch.nn.Module, candidates: list[torch.Tensor], count: int
) -> tuple[list[torch.Tensor], float]:
    """The `count` clips of `candidates` (tensors [P, ...] sharing P) whose k-NN boundary gap
    under `run(*candidates)` is largest, in their original order, and the smallest gap kept.

    Returns:
        (list of [count, ...] tensors, float gap).
    """
    gaps = knn_boundary_gap(lambda: run(*candidates), net)
    chosen = gaps.topk(count).indices.sort().values
    return [c[chosen] for c in candidates], float(gaps[chosen].min())
