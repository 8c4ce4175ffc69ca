"""In-graph preprocessing: uint8 frames to the network's normalised layout."""

from __future__ import annotations

import torch


def normalise_frames(frames: torch.Tensor) -> torch.Tensor:
    """uint8 [B, T, H, W, 3] -> float [B, 3, T, H, W] with (u8 - 127.5) / 128."""
    x = frames.to(torch.float32)
    x = (x - 127.5) / 128.0
    return x.permute(0, 4, 1, 2, 3)  # [B, 3, T, H, W]
