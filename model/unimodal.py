"""One modality's network: DSN -> (RCM) -> DTN -> heads. The release's `DSNNet`."""

from __future__ import annotations

from typing import NamedTuple

import torch

from model.config import ModelConfig
from model.dsn import DecoupledSpatialNetwork
from model.dtn import DecoupledTemporalNetwork, TemporalOutput


class UnimodalOutput(NamedTuple):
    """logits [B, K] (max over branches), branch_logits three [B, K], distillation [],
    features [B, D] (max-merged cls features), branch_features three [B, D]."""

    logits: torch.Tensor
    branch_logits: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    distillation: torch.Tensor
    features: torch.Tensor
    branch_features: tuple[torch.Tensor, torch.Tensor, torch.Tensor]


class UnimodalNetwork(DecoupledSpatialNetwork):
    """DSN layers at the top level and the DTN as `dtn`, so keys equal the release's."""

    def __init__(self, cfg: ModelConfig, with_heads: bool = True) -> None:
        super().__init__(cfg.spatial, cfg.dim)
        self.cfg = cfg
        self.dtn = DecoupledTemporalNetwork(cfg, with_heads=with_heads)

    def spatial(self, frames: torch.Tensor, guidance: torch.Tensor | None) -> torch.Tensor:
        """[B, 3, T, H, W] normalised frames, [B, 1, T, H, W] guidance -> [B, T, D]."""
        return super().forward(frames, guidance)

    def temporal(self, features: torch.Tensor) -> TemporalOutput:
        """[B, T, D] spatial features -> TemporalOutput ([B, D] features)."""
        return self.dtn.encode(features)

    def forward(self, frames: torch.Tensor, guidance: torch.Tensor | None) -> UnimodalOutput:  # type: ignore[override]
        """Classify a window.

        Args:
            frames: [B, 3, T, H, W] normalised frames.
            guidance: [B, 1, T, H, W] FRP guidance (or None).

        Returns:
            UnimodalOutput with [B, K] logits.
        """
        out = self.temporal(self.spatial(frames, guidance))
        logits, branch_logits = self.dtn.heads(out.branch_features)
        return UnimodalOutput(
            logits,
            tuple(branch_logits),
            out.distillation,
            out.features,
            out.branch_features,  # type: ignore[arg-type]
        )
