"""I3D building blocks with TensorFlow-style SAME padding: `Unit3D` and `MaxPool3dSame`."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

Triple = tuple[int, int, int]


def _triple(v: int | tuple[int, ...]) -> Triple:
    if isinstance(v, int):
        return (v, v, v)
    if len(v) != 3:
        raise ValueError(f"expected 3 values, got {v}")
    return (int(v[0]), int(v[1]), int(v[2]))


def same_padding(sizes: tuple[int, int, int], kernel: Triple, stride: Triple) -> list[int]:
    """F.pad argument for SAME padding of a [.., T, H, W] tensor.

    For each of T, H, W: `pad = max(k - s, 0)` if size % s == 0 else `max(k - size % s, 0)`,
    front = pad // 2, back = the rest (the TensorFlow rule the official release uses).
    """
    pads: list[int] = []
    for size, k, s in zip(sizes, kernel, stride):
        pad = max(k - s, 0) if size % s == 0 else max(k - size % s, 0)
        pads.append(pad)
    # F.pad wants the last dimension first: (W front, W back, H front, H back, T ...).
    out: list[int] = []
    for pad in reversed(pads):
        out += [pad // 2, pad - pad // 2]
    return out


class Unit3D(nn.Module):
    """SAME zero padding, Conv3d without bias, BatchNorm3d(eps 1e-3, momentum 0.01), ReLU."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: int | tuple[int, int, int] = 1,
        stride: int | tuple[int, int, int] = 1,
    ) -> None:
        super().__init__()
        self.kernel = _triple(kernel)
        self.stride = _triple(stride)
        self.conv3d = nn.Conv3d(in_channels, out_channels, self.kernel, stride=self.stride, padding=0, bias=False)
        self.bn = nn.BatchNorm3d(out_channels, eps=1e-3, momentum=0.01)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, T, H, W] -> [B, C', T', H', W'] (T' = ceil(T / s_t), likewise H', W')."""
        sizes = (x.shape[2], x.shape[3], x.shape[4])
        x = F.pad(x, same_padding(sizes, self.kernel, self.stride))
        return F.relu(self.bn(self.conv3d(x)))


class MaxPool3dSame(nn.Module):
    """SAME zero padding, then max pooling (no parameters)."""

    def __init__(self, kernel: int | tuple[int, int, int], stride: int | tuple[int, int, int] = 1) -> None:
        super().__init__()
        self.kernel = _triple(kernel)
        self.stride = _triple(stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C, T, H, W] -> [B, C, T', H', W'].

        Zero padding, like the release: it only matters where inputs can be negative
        (the temporal inception's pool branch sees signed tokens). Kernels of temporal size
        1 or 3 (stride 1 in time) run as 2-D pooling plus a max over shifted frames, which
        is exact and several times faster than max_pool3d on CPU.
        """
        b, c, t, h, w = x.shape
        kt, kh, kw = self.kernel
        st, sh, sw = self.stride
        if st != 1 or kt not in (1, 3):
            x = F.pad(x, same_padding((t, h, w), self.kernel, self.stride))
            return F.max_pool3d(x, self.kernel, self.stride)
        if (kh, kw) != (1, 1) or (sh, sw) != (1, 1):
            pad = same_padding((1, h, w), (1, kh, kw), (1, sh, sw))[:4]
            planes = F.pad(x.reshape(b, c * t, h, w), pad)  # [B, C*T, Hp, Wp]
            y = F.max_pool2d(planes, (kh, kw), (sh, sw))  # [B, C*T, H', W']
            x = y.reshape(b, c, t, y.shape[-2], y.shape[-1])
        if kt == 3:
            # Zero frames before and after, then the max of each frame and its neighbours.
            z = F.pad(x, (0, 0, 0, 0, 1, 1))  # [B, C, T+2, H', W']
            x = torch.maximum(torch.maximum(z[:, :, :-2], z[:, :, 1:-1]), z[:, :, 2:])
        return x
