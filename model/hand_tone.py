"""Hand tone: how light the nearest surface is against the frame, per frame, and a linear
reading of its course over a window (the cue that tells a flip to the back from a flip to
the palm).

A hand turning over changes colour, not shape or depth: the palm is lighter than the back
of the hand. Measured on SynthGesture v2, the learned per-frame features hardly encode
which side faces the camera (a linear probe: 57 % palm vs back on held-out clips), while
this one number per frame, taken where depth says the hand is, orders a flip right in
98 % of in-domain and all held-out-style clips (BENCHMARKS.md, "Transfer", hand tone).

Per frame: the nearest region (encoded grey depth within `margin` of the frame's nearest
smoothed value; the `gray` encoding maps near to 255 and missing to 0) and the log ratio
of its mean luma to the frame's mean luma, so a global gain or exposure change cancels.
The window's mean is removed, so skin tone cancels too and only the course remains.
Everything is tensor operations, exported inside the ONNX graphs; each frame's tone needs
only that frame, so a stream keeps the last T tones in a ring (`model/stages.py`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from model.frp import LUMA_WEIGHTS

_EPS = 8.0  # in uint8 units: dark frames do not blow the ratio up


def hand_tone(rgb: torch.Tensor, depth: torch.Tensor, margin: float = 10.0, smooth: int = 5) -> torch.Tensor:
    """Per-frame log luma ratio of the nearest region to the whole frame.

    Args:
        rgb: uint8 or float [B, T, H, W, 3] RGB, 0..255.
        depth: uint8 or float [B, T, H, W, 3] `gray`-encoded depth (near 255, missing 0).
        margin: grey levels behind the nearest smoothed value still counted as the hand
            (10 levels are about 100 mm with the lite models' 300-3000 mm range).
        smooth: box size of the smoothing that keeps a lone flying pixel from being "nearest".

    Returns:
        [B, T] log((hand luma + 8) / (frame luma + 8)); 0 where there is no valid depth.
    """
    b, t, h, w, _ = rgb.shape
    weights = torch.tensor(LUMA_WEIGHTS, dtype=torch.float32, device=rgb.device)
    luma = (rgb.to(torch.float32) * weights).sum(-1).reshape(b * t, h * w)  # [B*T, H*W]
    grey = depth[..., 0].to(torch.float32).reshape(b * t, 1, h, w)  # [B*T, 1, H, W]
    smoothed = F.avg_pool2d(grey, smooth, stride=1, padding=smooth // 2, count_include_pad=False)
    nearest = smoothed.flatten(1).amax(dim=1, keepdim=True)  # [B*T, 1]
    flat = grey.flatten(1)  # [B*T, H*W]
    mask = ((flat >= nearest - margin) & (flat > 0)).to(torch.float32)
    count = mask.sum(dim=1)  # [B*T]
    hand = (luma * mask).sum(dim=1) / count.clamp(min=1.0)
    frame = luma.mean(dim=1)
    tone = torch.log((hand + _EPS) / (frame + _EPS))
    return torch.where(count > 0, tone, torch.zeros_like(tone)).reshape(b, t)  # [B, T]


class HandToneHead(nn.Module):
    """Class scores from the course of the hand tone over a window: [B, T] -> [B, K].

    Linear in the window's tones less their mean; zero at initialisation, so adding it to a
    trained network's logits starts from that network's answers.
    """

    def __init__(self, frames: int, num_classes: int) -> None:
        super().__init__()
        self.linear = nn.Linear(frames, num_classes)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def forward(self, tone: torch.Tensor) -> torch.Tensor:
        """[B, T] per-frame tones -> [B, K] logit offsets."""
        return self.linear(tone - tone.mean(dim=1, keepdim=True))
