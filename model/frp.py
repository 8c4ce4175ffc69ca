"""Fast regional positioning (FRP): guidance maps from frames, and their fusion into the DSN.

The release computes guidance in its data loader with Python loops over frames and OpenCV;
here it is tensor operations only (a fixed-weight temporal convolution, min/max pooling),
so it runs inside the exported ONNX graph.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

# ITU-R 601 luma weights, as torchvision's rgb_to_grayscale.
LUMA_WEIGHTS = (0.2989, 0.587, 0.114)


def _normalise_per_window(x: torch.Tensor, dims: tuple[int, ...]) -> torch.Tensor:
    """x - min, then / max when max != 0 (else the zeros stay), over `dims`."""
    x = x - x.amin(dim=dims, keepdim=True)
    peak = x.amax(dim=dims, keepdim=True)
    return x / torch.where(peak > 0, peak, torch.ones_like(peak))


def frp_guidance(frames: torch.Tensor, window: int) -> torch.Tensor:
    """Rank-pooled motion guidance of normalised frames.

    Args:
        frames: [B, 3, T, H, W] normalised frames ((u8 - 127.5) / 128).
        window: w, the frames per rank-pooling window.

    Returns:
        [B, 1, T, H, W] guidance G; position j holds the window of frames j-w+1 .. j and
        positions 0 .. w-2 are 0 (causal, as the release's loader).
    """
    b, c, t, h, w = frames.shape
    n_windows = t - window + 1
    if n_windows <= 0 or window < 2:
        # No complete window (or w = 1, whose single weight is 0): all zero.
        return frames.new_zeros(b, 1, t, h, w)
    # Rank pooling R_t = sum_i a_i f_{t+i-1}, a_i = 2i - w - 1: a depthwise conv over T.
    weights = torch.arange(1, window + 1, dtype=frames.dtype, device=frames.device)
    weights = (2 * weights - window - 1).view(1, 1, window, 1, 1).repeat(c, 1, 1, 1, 1)
    rank = F.conv3d(frames, weights, groups=c)  # [B, 3, n, H, W]
    rank = _normalise_per_window(F.relu(rank), dims=(1, 3, 4))
    grey_w = torch.tensor(LUMA_WEIGHTS, dtype=frames.dtype, device=frames.device).view(1, 3, 1, 1, 1)
    grey = (rank * grey_w).sum(dim=1)  # [B, n, H, W]

    # Static attention: keep values above the frame mean, erode 2x2, dilate 3x3.
    keep = grey > grey.mean(dim=(2, 3), keepdim=True)
    static = torch.where(keep, grey, torch.zeros_like(grey))
    # OpenCV anchors (1, 1): erosion takes rows y-1..y, columns x-1..x. Replicating the
    # edge equals ignoring positions outside the image, for both min and max.
    static = -F.max_pool2d(-F.pad(static, (1, 0, 1, 0), mode="replicate"), 2, stride=1)
    static = F.max_pool2d(F.pad(static, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    static = _normalise_per_window(static, dims=(2, 3))

    guidance = (grey + static) * static  # [B, n, H, W]
    guidance = F.pad(guidance, (0, 0, 0, 0, window - 1, 0))  # causal shift: [B, T, H, W]
    return guidance.unsqueeze(1)  # [B, 1, T, H, W]


def guidance_pyramid(guidance: torch.Tensor, widths: list[int]) -> list[torch.Tensor]:
    """Down-sample guidance frame by frame (2x2 max pooling, ceil mode) to each width.

    Args:
        guidance: [B, 1, T, H, W].
        widths: feature-map widths to reach, in increasing pooling order.

    Returns:
        One [B, 1, T, H_i, W_i] tensor per requested width.
    """
    out: list[torch.Tensor] = []
    g = guidance
    for width in widths:
        while g.shape[-1] > width:
            g = F.max_pool3d(g, (1, 2, 2), (1, 2, 2), ceil_mode=True)
        out.append(g)
    return out


class FRPFusion(nn.Module):
    """`frp(x) = w0 * x + w1 * x * (G + 1)`; the DSN adds x again after it.

    (w0, w1) is `rpconv1d`, a Conv1d(2, 1, 1) initialised to (1, 0), as in the release.
    """

    def __init__(self) -> None:
        super().__init__()
        self.rpconv1d = nn.Conv1d(2, 1, 1, bias=False)
        with torch.no_grad():
            self.rpconv1d.weight.copy_(torch.tensor([[[1.0], [0.0]]]))

    def forward(self, x: torch.Tensor, guidance: torch.Tensor) -> torch.Tensor:
        """x [B, C, T, H, W], guidance [B, 1, T, H, W] (same T, H, W) -> [B, C, T, H, W]."""
        w = self.rpconv1d.weight  # [1, 2, 1]
        return w[0, 0, 0] * x + w[0, 1, 0] * x * (guidance + 1)
