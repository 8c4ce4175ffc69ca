"""Pre-norm transformer blocks with k-NN attention (the DTN's global temporal modelling)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class KNNAttention(nn.Module):
    """Multi-head self-attention keeping the top int(ratio * n) scores of every row."""

    def __init__(self, dim: int, heads: int, head_dim: int, knn_ratio: float, dropout: float) -> None:
        super().__init__()
        inner = heads * head_dim
        self.heads = heads
        self.scale = head_dim**-0.5
        self.knn_ratio = knn_ratio
        self.to_qkv = nn.Linear(dim, inner * 3, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, N, D] -> [B, N, D]."""
        b, n, _ = x.shape
        qkv = self.to_qkv(x).view(b, n, 3, self.heads, -1).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each [B, h, N, d]
        dots = torch.matmul(q, k.transpose(-1, -2)) * self.scale  # [B, h, N, N]
        keep = int(n * self.knn_ratio)
        if 0 < keep < n:
            kth = torch.topk(dots, keep, dim=-1).values[..., -1:]  # [B, h, N, 1]
            dots = dots.masked_fill(dots < kth, float("-inf"))
        attn = dots.softmax(dim=-1)
        out = torch.matmul(attn, v).transpose(1, 2).reshape(b, n, -1)  # [B, N, h*d]
        return self.to_out(out)


class FeedForward(nn.Module):
    """fc1 -> exact GELU -> dropout -> fc2 -> dropout."""

    def __init__(self, dim: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, N, D] -> [B, N, D]."""
        return self.dropout(self.fc2(self.dropout(F.gelu(self.fc1(x)))))


class PreNorm(nn.Module):
    """`fn(LayerNorm(x))`; the caller adds the residual."""

    def __init__(self, dim: int, fn: nn.Module) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, N, D] -> [B, N, D]."""
        return self.fn(self.norm(x))


class TransformerBlock(nn.Module):
    """`x = Attn(LN(x)) + x; x = FF(LN(x)) + x`.

    Keys follow the release: `layers.0.0` is the attention, `layers.0.1` the feed-forward.
    """

    def __init__(self, dim: int, heads: int, head_dim: int, mlp_dim: int, knn_ratio: float, dropout: float) -> None:
        super().__init__()
        attn = PreNorm(dim, KNNAttention(dim, heads, head_dim, knn_ratio, dropout))
        ff = PreNorm(dim, FeedForward(dim, mlp_dim, dropout))
        self.layers = nn.ModuleList([nn.ModuleList([attn, ff])])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, N, D] -> [B, N, D]."""
        for attn, ff in self.layers:  # type: ignore[misc]
            x = attn(x) + x
            x = ff(x) + x
        return x
