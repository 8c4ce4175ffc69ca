"""RCM: the recoupling module, re-weighting per-frame features along time and channels."""

from __future__ import annotations

import torch
from torch import nn


class RecouplingModule(nn.Module):
    """Temporal weights a [B, T] times channel weights y [B, D] on the features.

    Two layers act along time, so T must equal the window length the module was built for.
    Attribute names (`q`, `k`, `project`, `linear`) are the official checkpoint keys.
    """

    def __init__(self, frames: int, dim: int, hidden: int, qk_dim: int) -> None:
        super().__init__()
        self.q = nn.Linear(frames, qk_dim, bias=False)
        self.k = nn.Linear(frames, qk_dim, bias=False)
        self.scale = qk_dim**-0.5
        self.project = nn.Sequential(
            nn.Linear(frames, hidden, bias=False),
            nn.GELU(),
            nn.Linear(hidden, frames, bias=False),
            nn.LayerNorm(frames),
        )
        self.linear = nn.Linear(frames, dim)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Recouple.

        Args:
            features: [B, T, D] per-frame features.

        Returns:
            ([B, T, D] re-weighted features, [B, D] `spatial_weights` for distillation).
        """
        x = features.transpose(1, 2)  # [B, D, T]
        a = torch.sigmoid(self.project(x.mean(dim=1)))  # [B, T] temporal weights
        q, k = self.q(x), self.k(x)  # [B, D, qk]
        scores = torch.matmul(q, k.transpose(1, 2)) * self.scale  # [B, D, D]
        y = torch.sigmoid(scores.mean(dim=1))  # [B, D] channel weights
        out = features * a.unsqueeze(2) * y.unsqueeze(1)  # [B, T, D]
        return out, self.linear(a)
