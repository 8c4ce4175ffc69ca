"""DTN: the decoupled temporal network (multi-rate sampling, TMS, k-NN transformers)."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from model.config import ModelConfig
from model.inception import TemporalInception
from model.layers import MaxPool3dSame
from model.rcm import RecouplingModule
from model.sampling import eval_indices, random_indices
from model.transformer import TransformerBlock

BRANCHES = ("small", "media", "large")


def sharpness_temperature(cfg: ModelConfig, epoch: int | None) -> float:
    """Branch-logit temperature: linear from start to end over the first epochs.

    `epoch=None` means inference (the end value).
    """
    t = cfg.temporal
    if epoch is None or t.sharpness_epochs <= 1 or epoch >= t.sharpness_epochs:
        return t.sharpness_end
    frac = epoch / (t.sharpness_epochs - 1)
    return t.sharpness_start + frac * (t.sharpness_end - t.sharpness_start)


class TemporalOutput(NamedTuple):
    """What the DTN gives back.

    features: [B, D] element-wise maximum of the three branches' cls features.
    branch_features: three [B, D] cls features (small, media, large).
    distillation: [] summed recoupling KL term (0 when the RCM is off).
    """

    features: torch.Tensor
    branch_features: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    distillation: torch.Tensor


class MultiScaleLayer(nn.Module):
    """One of the N encoder layers: a transformer block per branch; layer 0 first runs the
    temporal inception + (3, 1, 1) max pool on each branch's non-cls tokens."""

    def __init__(self, cfg: ModelConfig, local: bool) -> None:
        super().__init__()
        t = cfg.temporal
        for name in BRANCHES:
            block = TransformerBlock(cfg.dim, t.heads, t.head_dim, t.mlp_dim, t.knn_ratio, t.dropout)
            setattr(self, f"transformer_enc_{name}", block)
        self.local = local
        if local:
            for name in BRANCHES:
                setattr(self, f"Mixed_{name}", TemporalInception(cfg.dim, t.local_inception))
            self.MaxPool = MaxPool3dSame((3, 1, 1), 1)

    def _local(self, x: torch.Tensor, inception: nn.Module) -> torch.Tensor:
        cls, tokens = x[:, :1], x[:, 1:]  # [B, 1, D], [B, n, D]
        y = tokens.transpose(1, 2).unsqueeze(-1).unsqueeze(-1)  # [B, D, n, 1, 1]
        y = self.MaxPool(inception(y))  # [B, D, n, 1, 1]
        return torch.cat([cls, y.flatten(2).transpose(1, 2)], dim=1)  # [B, n+1, D]

    def forward(self, xs: list[torch.Tensor]) -> list[torch.Tensor]:
        """Three [B, n_b + 1, D] token sequences -> the same shapes."""
        out = []
        for name, x in zip(BRANCHES, xs):
            if self.local:
                x = self._local(x, getattr(self, f"Mixed_{name}"))
            out.append(getattr(self, f"transformer_enc_{name}")(x))
        return out


class DecoupledTemporalNetwork(nn.Module):
    """RCM + three-rate token sampling + N multi-scale layers -> cls features (and logits).

    Attribute names are the official `dtn.*` checkpoint keys. Heads (`mlp_head_<b>`) exist
    only when `with_heads` (unimodal networks); the fusion network uses the features.
    """

    def __init__(self, cfg: ModelConfig, with_heads: bool = True) -> None:
        super().__init__()
        t = cfg.temporal
        self.cfg = cfg
        self.temperature = sharpness_temperature(cfg, None)
        for name, n in zip(BRANCHES, t.branch_tokens):
            setattr(self, f"pos_embedding_{name}", nn.Parameter(torch.randn(1, n + 1, cfg.dim)))
            setattr(self, f"cls_token_{name}", nn.Parameter(torch.randn(1, 1, cfg.dim)))
        self.multi_scale_transformers = nn.ModuleList([MultiScaleLayer(cfg, local=(i == 0)) for i in range(t.depth)])
        if t.rcm:
            self.rcm = RecouplingModule(cfg.frames, cfg.dim, t.rcm_hidden, t.rcm_qk_dim)
        self.with_heads = with_heads
        if with_heads:
            for name in BRANCHES:
                head = nn.Sequential(nn.LayerNorm(cfg.dim), nn.Linear(cfg.dim, cfg.num_classes))
                setattr(self, f"mlp_head_{name}", head)

    def _sample(self, x: torch.Tensor, count: int) -> torch.Tensor:
        n = x.shape[1]
        if self.training or self.cfg.temporal.official_random_eval_sampling:
            idx = random_indices(n, count).to(x.device)
        else:
            idx = torch.tensor(eval_indices(n, count), device=x.device)
        return x.index_select(1, idx)  # [B, count, D]

    def encode(self, features: torch.Tensor) -> TemporalOutput:
        """Temporal modelling.

        Args:
            features: [B, T, D] per-frame spatial features (T = cfg.frames).

        Returns:
            TemporalOutput with [B, D] features.
        """
        x = features
        spatial_weights = None
        if self.cfg.temporal.rcm:
            x, spatial_weights = self.rcm(x)  # [B, T, D], [B, D]
        tokens = []
        for name, count in zip(BRANCHES, self.cfg.temporal.branch_tokens):
            sampled = self._sample(x, count)  # [B, n, D]
            cls = getattr(self, f"cls_token_{name}").expand(x.shape[0], -1, -1)  # [B, 1, D]
            seq = torch.cat([cls, sampled], dim=1) + getattr(self, f"pos_embedding_{name}")
            tokens.append(seq)  # [B, n+1, D]
        for layer in self.multi_scale_transformers:
            tokens = layer(tokens)
        xs, xm, xl = (seq[:, 0] for seq in tokens)  # each [B, D]
        if spatial_weights is not None:
            tau = self.cfg.temporal.distill_temperature
            teacher = F.softmax(((xs + xm + xl) / 3.0).detach() / tau, dim=-1)
            distill = F.kl_div(F.log_softmax(spatial_weights / tau, dim=-1), teacher, reduction="sum")
        else:
            distill = features.new_zeros(())
        merged = torch.maximum(torch.maximum(xs, xm), xl)  # [B, D]
        return TemporalOutput(merged, (xs, xm, xl), distill)

    def heads(self, branch_features: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Per-branch logits / temperature and their element-wise max.

        Args:
            branch_features: three [B, D] cls features.

        Returns:
            ([B, K] merged logits, three [B, K] branch logits).
        """
        logits = [getattr(self, f"mlp_head_{name}")(f) / self.temperature for name, f in zip(BRANCHES, branch_features)]
        merged = torch.maximum(torch.maximum(logits[0], logits[1]), logits[2])
        return merged, logits
