"""Inference wrappers: raw uint8 frames in, logits out (the exported ONNX contract).

Normalisation and FRP guidance happen inside, so the exported graph is self-contained.
"""

from __future__ import annotations

import torch
from torch import nn

from model.capf import CrossModalFusionNetwork
from model.frp import frp_guidance
from model.preprocess import normalise_frames
from model.unimodal import UnimodalNetwork


class UnimodalClassifier(nn.Module):
    """uint8 frames [B, T, H, W, 3] -> logits [B, K]."""

    def __init__(self, net: UnimodalNetwork) -> None:
        super().__init__()
        self.net = net

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """[B, T, H, W, 3] uint8 -> [B, K] max-merged logits."""
        x = normalise_frames(frames)  # [B, 3, T, H, W]
        guidance = frp_guidance(x, self.net.cfg.frp_window) if self.net.use_frp else None
        return self.net(x, guidance).logits


class FusionClassifier(nn.Module):
    """uint8 rgb and depth [B, T, H, W, 3] -> fused, rgb and depth logits [B, K] each."""

    def __init__(self, net: CrossModalFusionNetwork) -> None:
        super().__init__()
        self.net = net

    def forward(self, rgb: torch.Tensor, depth: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """[B, T, H, W, 3] uint8 x 2 -> ([B, K] fused, [B, K] rgb, [B, K] depth)."""
        window = self.net.cfg.frp_window
        r, d = normalise_frames(rgb), normalise_frames(depth)  # [B, 3, T, H, W]
        use_frp = self.net.Modalit_rgb.use_frp
        out = self.net(
            r,
            d,
            frp_guidance(r, window) if use_frp else None,
            frp_guidance(d, window) if use_frp else None,
        )
        return out.logits, out.rgb_logits, out.depth_logits
