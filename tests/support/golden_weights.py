"""Deterministic official-format weights, as `../shared/golden/README.md` defines them."""

from __future__ import annotations

import math
import zlib

import torch


def golden_tensor(key: str, shape: list[int]) -> torch.Tensor:
    """The value the golden README assigns to state-dict key `key` of shape `shape`."""
    g = torch.Generator().manual_seed(zlib.crc32(key.encode()))
    s = tuple(shape)
    if key.endswith("num_batches_tracked"):
        return torch.zeros(s, dtype=torch.int64)
    if key.endswith("running_var"):
        return 1 + 0.1 * torch.rand(s, generator=g)
    if len(s) >= 2:
        return torch.randn(s, generator=g) * math.sqrt(2 / math.prod(s[1:]))
    if key.endswith("weight"):
        return 1 + 0.1 * torch.randn(s, generator=g)
    return 0.1 * torch.randn(s, generator=g)


def golden_state_dict(keys: dict[str, list[int]], prefix: str = "") -> dict[str, torch.Tensor]:
    """Every key of the golden key list with its generated tensor (optionally prefixed)."""
    return {prefix + k: golden_tensor(k, shape) for k, shape in keys.items()}


def golden_inputs(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The golden network input of `seed`: clips [2, 3, 64, 224, 224] and FRP guidance
    [2, 1, 64, 224, 224], as the golden README draws them."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 3, 64, 224, 224, generator=g)
    guidance = torch.rand(2, 1, 64, 224, 224, generator=g)
    return x, guidance
