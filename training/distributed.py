"""Distributed data parallel under torchrun: process group, samplers, synchronised BN.

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; without them everything runs in one process.
PyTorch's SyncBatchNorm only runs on accelerators, so on CPU (gloo) `CPUSyncBatchNorm`
all-reduces the batch statistics itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.distributed.nn.functional import all_reduce


@dataclass(frozen=True)
class DistContext:
    """rank, world size and the device this process trains on."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


def init_distributed(device: str = "auto") -> DistContext:
    """Join the torchrun process group (gloo on CPU, NCCL on CUDA) when WORLD_SIZE > 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(device)
    if dev.type == "cuda":
        torch.cuda.set_device(local)
        dev = torch.device("cuda", local)
    if world > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if dev.type == "cuda" else "gloo")
    return DistContext(rank, world, local, dev)


def shutdown_distributed() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


class CPUSyncBatchNorm(nn.modules.batchnorm._BatchNorm):
    """Batch normalisation whose training statistics span all ranks (any device, gloo ok).

    Per-channel sum, sum of squares and count are all-reduced with autograd-aware
    collectives, so gradients flow through the global statistics exactly as in
    SyncBatchNorm. In eval mode, or in one process, it is plain BatchNorm.
    """

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input, got {input.dim()}D")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, ...] -> [B, C, ...]."""
        if not (self.training and dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1):
            return super().forward(x)
        dims = [0] + list(range(2, x.dim()))
        count = torch.tensor([x.numel() / x.shape[1]], dtype=x.dtype, device=x.device)
        stats = torch.cat([x.sum(dim=dims), (x * x).sum(dim=dims), count])
        stats = all_reduce(stats)  # sums over ranks, differentiable
        c = x.shape[1]
        n = stats[2 * c]
        mean = stats[:c] / n
        var = stats[c : 2 * c] / n - mean * mean  # biased, used to normalise
        if self.track_running_stats and self.running_mean is not None and self.running_var is not None:
            with torch.no_grad():
                self.num_batches_tracked.add_(1)  # type: ignore[union-attr,operator]
                m = self.momentum if self.momentum is not None else 0.1
                unbiased = var * n / max(float(n) - 1.0, 1.0)
                self.running_mean.mul_(1 - m).add_(m * mean)
                self.running_var.mul_(1 - m).add_(m * unbiased)
        shape = [1, c] + [1] * (x.dim() - 2)
        y = (x - mean.view(shape)) / torch.sqrt(var.view(shape) + self.eps)
        if self.affine:
            y = y * self.weight.view(shape) + self.bias.view(shape)
        return y


def convert_sync_batchnorm(module: nn.Module, device: torch.device) -> nn.Module:
    """Every BatchNorm*d -> SyncBatchNorm (CUDA) or CPUSyncBatchNorm (CPU), weights kept."""
    if device.type == "cuda":
        return nn.SyncBatchNorm.convert_sync_batchnorm(module)
    out = module
    if isinstance(module, nn.modules.batchnorm._BatchNorm) and not isinstance(module, CPUSyncBatchNorm):
        out = CPUSyncBatchNorm(
            module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats
        )
        out.load_state_dict(module.state_dict())
        out.train(module.training)
    for name, child in module.named_children():
        out.add_module(name, convert_sync_batchnorm(child, device))
    return out


def average_scalar(value: float, ctx: DistContext) -> float:
    """Mean of a float over ranks (for logging)."""
    if not ctx.distributed:
        return value
    t = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(t)
    return float(t.item()) / ctx.world_size


def sum_tensor(t: torch.Tensor, ctx: DistContext) -> torch.Tensor:
    """Sum a tensor over ranks (evaluation counts)."""
    if ctx.distributed:
        t = t.clone()
        dist.all_reduce(t)
    return t
