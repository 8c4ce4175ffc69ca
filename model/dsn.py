"""DSN: the decoupled spatial network (an I3D stem with spatial multi-scale inception)."""

from __future__ import annotations

import torch
from torch import nn

from model.config import SpatialConfig, inception_out
from model.frp import FRPFusion, guidance_pyramid
from model.inception import SpatialInception
from model.layers import MaxPool3dSame, Unit3D

# Blocks after which FRP guidance modulates the features (the release's choice).
FRP_SITES = ("Mixed_3b", "Mixed_4b", "Mixed_5b")


class DecoupledSpatialNetwork(nn.Module):
    """Per-frame spatial features: frames + guidance -> [B, T, D].

    Attribute names are the official checkpoint keys (Conv3d_1a_7x7, Mixed_3b, ...).
    Every layer is per frame except the 3-frame pool branch of each SpatialInception.
    """

    def __init__(self, cfg: SpatialConfig, dim: int, in_channels: int = 3) -> None:
        super().__init__()
        c1, c2, c3 = cfg.stem
        self.use_frp = cfg.frp
        self.Conv3d_1a_7x7 = Unit3D(in_channels, c1, (1, 7, 7), (1, 2, 2))
        self.MaxPool3d_2a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Conv3d_2b_1x1 = Unit3D(c1, c2, 1)
        self.Conv3d_2c_3x3 = Unit3D(c2, c3, (1, 3, 3))
        self.MaxPool3d_3a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Mixed_3b = SpatialInception(c3, cfg.mixed_3b)
        self.Mixed_3c = SpatialInception(inception_out(cfg.mixed_3b), cfg.mixed_3c)
        self.MaxPool3d_4a_3x3 = MaxPool3dSame((1, 3, 3), (1, 2, 2))
        self.Mixed_4b = SpatialInception(inception_out(cfg.mixed_3c), cfg.mixed_4b)
        self.Mixed_4c = SpatialInception(inception_out(cfg.mixed_4b), cfg.mixed_4c)
        self.MaxPool3d_5a_2x2 = MaxPool3dSame((1, 2, 2), (1, 2, 2))
        self.Mixed_5b = SpatialInception(inception_out(cfg.mixed_4c), cfg.mixed_5b)
        self.Mixed_5c = SpatialInception(inception_out(cfg.mixed_5b), cfg.mixed_5c)
        self.LinearMap = nn.Sequential(nn.LayerNorm(cfg.out_channels), nn.Linear(cfg.out_channels, dim))
        if cfg.frp:
            self.frp_module = FRPFusion()

    @staticmethod
    def feature_widths(size: int) -> list[int]:
        """Widths of the feature maps at the three FRP sites for a square input `size`."""
        w = -(-size // 2)  # Conv3d_1a stride 2, SAME: ceil
        w = -(-w // 2)  # MaxPool3d_2a
        w3 = -(-w // 2)  # MaxPool3d_3a -> Mixed_3b
        w4 = -(-w3 // 2)  # MaxPool3d_4a -> Mixed_4b
        w5 = -(-w4 // 2)  # MaxPool3d_5a -> Mixed_5b
        return [w3, w4, w5]

    def _frp(self, x: torch.Tensor, g: torch.Tensor | None) -> torch.Tensor:
        if g is None:
            return x
        return self.frp_module(x, g) + x

    def forward(self, x: torch.Tensor, guidance: torch.Tensor | None) -> torch.Tensor:
        """Spatial features.

        Args:
            x: [B, 3, T, H, W] normalised frames.
            guidance: [B, 1, T, H, W] FRP guidance, or None (or FRP disabled) for none.

        Returns:
            [B, T, D] per-frame features.
        """
        return self.LinearMap(self.pooled(x, guidance))  # [B, T, D]

    def pooled(self, x: torch.Tensor, guidance: torch.Tensor | None) -> torch.Tensor:
        """The convolutional trunk, spatially averaged: [B, 3, T, H, W] -> [B, T, C5] (what
        `LinearMap` projects to D; `gesture adapt` caches it and trains from there on)."""
        pyramid: list[torch.Tensor | None] = [None, None, None]
        if self.use_frp and guidance is not None:
            pyramid = list(guidance_pyramid(guidance, self.feature_widths(x.shape[-1])))
        x = self.Conv3d_1a_7x7(x)
        x = self.MaxPool3d_2a_3x3(x)
        x = self.Conv3d_2b_1x1(x)
        x = self.Conv3d_2c_3x3(x)
        x = self.MaxPool3d_3a_3x3(x)
        x = self._frp(self.Mixed_3b(x), pyramid[0])
        x = self.Mixed_3c(x)
        x = self.MaxPool3d_4a_3x3(x)
        x = self._frp(self.Mixed_4b(x), pyramid[1])
        x = self.Mixed_4c(x)
        x = self.MaxPool3d_5a_2x2(x)
        x = self._frp(self.Mixed_5b(x), pyramid[2])
        x = self.Mixed_5c(x)  # [B, C5, T, h, w]
        return x.mean(dim=(3, 4)).transpose(1, 2)  # [B, T, C5]
