"""Multi-scale inception blocks: spatial (SMS, in the DSN) and temporal (TMS, in the DTN)."""

from __future__ import annotations

import torch
from torch import nn

from model.config import InceptionWidths, inception_out
from model.layers import MaxPool3dSame, Unit3D


class _Inception(nn.Module):
    """Four branches concatenated on C: 1x1; 1x1 -> k; 1x1 -> k; pool -> 1x1."""

    def __init__(
        self,
        in_channels: int,
        widths: InceptionWidths,
        kernel: tuple[int, int, int],
        pool: tuple[int, int, int],
    ) -> None:
        super().__init__()
        o0, o1a, o1b, o2a, o2b, o3 = widths
        self.b0 = Unit3D(in_channels, o0, 1)
        self.b1a = Unit3D(in_channels, o1a, 1)
        self.b1b = Unit3D(o1a, o1b, kernel)
        self.b2a = Unit3D(in_channels, o2a, 1)
        self.b2b = Unit3D(o2a, o2b, kernel)
        self.b3a = MaxPool3dSame(pool, 1)
        self.b3b = Unit3D(in_channels, o3, 1)
        self.out_channels = inception_out(widths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, T, H, W] -> [B, o0 + o1b + o2b + o3, T, H, W]."""
        return torch.cat(
            [
                self.b0(x),
                self.b1b(self.b1a(x)),
                self.b2b(self.b2a(x)),
                self.b3b(self.b3a(x)),
            ],
            dim=1,
        )


class SpatialInception(_Inception):
    """SMS block: (1, 3, 3) convolutions; the pool branch spans 3 frames (3, 3, 3).

    That pool is the only temporal mixing inside the DSN.
    """

    def __init__(self, in_channels: int, widths: InceptionWidths) -> None:
        super().__init__(in_channels, widths, kernel=(1, 3, 3), pool=(3, 3, 3))


class TemporalInception(_Inception):
    """TMS block of DTN layer 0: (3, 1, 1) convolutions and a (3, 1, 1) pool over tokens."""

    def __init__(self, in_channels: int, widths: InceptionWidths) -> None:
        super().__init__(in_channels, widths, kernel=(3, 1, 1), pool=(3, 1, 1))
