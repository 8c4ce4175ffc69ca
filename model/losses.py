"""Training objectives: the unimodal multi-loss with recoupling distillation, and the CAPF
fusion multi-loss."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from model.capf import CrossModalFusionNetwork, FusionOutput
from model.unimodal import UnimodalOutput

LABEL_SMOOTHING = 0.1
BRANCH_WEIGHT = 0.5


class LossTerms(NamedTuple):
    """total [] and its named parts (each a [] tensor)."""

    total: torch.Tensor
    parts: dict[str, torch.Tensor]


def smoothed_ce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy with label smoothing 0.1: [B, K], [B] -> []."""
    return F.cross_entropy(logits, target, label_smoothing=LABEL_SMOOTHING)


def unimodal_loss(out: UnimodalOutput, target: torch.Tensor, distill_weight: float) -> LossTerms:
    """`CE(merged) + 0.5 (CE(small) + CE(media) + CE(large)) + lambda_d * L_distill`.

    Args:
        out: the network's output.
        target: [B] class ids.
        distill_weight: lambda_d (0 during the warm-up epochs, then 1).
    """
    ce = smoothed_ce(out.logits, target)
    branches = sum(smoothed_ce(b, target) for b in out.branch_logits)
    total = ce + BRANCH_WEIGHT * branches + distill_weight * out.distillation
    return LossTerms(total, {"ce": ce, "branch_ce": branches, "distill": out.distillation})


def fusion_loss(
    net: CrossModalFusionNetwork, out: FusionOutput, target: torch.Tensor, distill_weight: float = 1.0
) -> LossTerms:
    """CAPF objective.

    `CE(fused) + CE(rgb) + CE(depth) + BCE(s(t_rgb), 1) + BCE(s(t_depth), 0)
    + MSE(recon, t_rgb) + MSE(recon, t_depth) + lambda_d (distill_rgb + distill_depth)`,
    with s the modality discriminator `sigmoid(fc(dropout(t)))`.
    """
    ce = smoothed_ce(out.logits, target) + smoothed_ce(out.rgb_logits, target) + smoothed_ce(out.depth_logits, target)
    s_rgb, s_depth = net.modality_scores(out.t_rgb), net.modality_scores(out.t_depth)  # [B, 1]
    bce = F.binary_cross_entropy(s_rgb, torch.ones_like(s_rgb)) + F.binary_cross_entropy(
        s_depth, torch.zeros_like(s_depth)
    )
    mse = F.mse_loss(out.reconstruction, out.t_rgb) + F.mse_loss(out.reconstruction, out.t_depth)
    total = ce + bce + mse + distill_weight * out.distillation
    return LossTerms(total, {"ce": ce, "bce": bce, "mse": mse, "distill": out.distillation})
