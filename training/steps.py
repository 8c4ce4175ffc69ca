"""One forward pass of a batch through a network, for training and evaluation.

Batches are dicts: `rgb` and/or `depth` uint8 [B, T, H, W, 3] (depth already 8-bit
encoded), `label` int64 [B]. Normalisation and FRP guidance run here, on the batch, exactly
as inside the exported graph.
"""

from __future__ import annotations

import torch

from model.capf import CrossModalFusionNetwork
from model.frp import frp_guidance
from model.losses import LossTerms, fusion_loss, unimodal_loss
from model.preprocess import normalise_frames
from model.unimodal import UnimodalNetwork


def _prepare(frames: torch.Tensor, window: int, use_frp: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    x = normalise_frames(frames)  # [B, 3, T, H, W]
    return x, (frp_guidance(x, window) if use_frp else None)


def forward_batch(
    net: torch.nn.Module, batch: dict[str, torch.Tensor], modalities: str, distill_weight: float
) -> tuple[torch.Tensor, LossTerms]:
    """Logits [B, K] and the training objective of one batch.

    Args:
        net: a UnimodalNetwork / CrossModalFusionNetwork, possibly wrapped in DDP.
        batch: see the module docstring (tensors on the network's device).
        modalities: rgb, depth or rgbd.
        distill_weight: lambda_d of the recoupling distillation.
    """
    inner = net.module if hasattr(net, "module") else net
    window = inner.cfg.frp_window
    label = batch["label"]
    if modalities == "rgbd":
        assert isinstance(inner, CrossModalFusionNetwork)
        use_frp = inner.Modalit_rgb.use_frp
        r, gr = _prepare(batch["rgb"], window, use_frp)
        d, gd = _prepare(batch["depth"], window, use_frp)
        out = net(r, d, gr, gd)
        return out.logits, fusion_loss(inner, out, label, distill_weight)
    assert isinstance(inner, UnimodalNetwork)
    x, g = _prepare(batch[modalities], window, inner.use_frp)
    out = net(x, g)
    return out.logits, unimodal_loss(out, label, distill_weight)
