"""Incremental DSN: per-frame spatial features of a stream, updated `n` frames at a time.

Inside a DSN only two things look at other frames: FRP guidance (frame j uses frames
j-w+1 .. j) and the (3, 3, 3) pool branch of each of the six spatial inception blocks
(frame j at block k sees frames j-1 .. j+1 of block k-1). A stream therefore keeps, per
block input ("level" 0..5), the last two *final* frames, plus the last w-1 raw frames and
the last 5 guidance maps. An update with n new frames:

- runs the stem (per frame) on the n new frames only;
- at block k (1..6) recomputes frames N-k .. N+n-1 of the stream (N = frames seen
  before): the last k-1 frames of level k-1 were *provisional* (their right neighbour was
  zero padding, exactly as at the right edge of a full window) and now have neighbours.
  Block k therefore runs on 2 cached frames + (n+k-1) recomputed ones = n+k+1 frames and
  keeps all but the first output.

The newest features (the last 6 frames) are provisional in the same way as the last frames
of a full window, so a window that ends at the newest frame gets exactly the full-window
right edge. The only difference from the full-window graph is the *left* edge of a window:
the full graph zero-pads before its first frame (6 pooling levels deep) and zeroes the FRP
guidance of its first w-1 frames, while a stream's features there saw their real
predecessors. At the start of a stream the state is zeros and frames before frame 0 are
masked to zero, so the first window equals the full-window graph.

Levels (input of block k): 0 after MaxPool3d_3a, 1 after Mixed_3b+FRP, 2 after
Mixed_3c+MaxPool3d_4a, 3 after Mixed_4b+FRP, 4 after Mixed_4c+MaxPool3d_5a, 5 after
Mixed_5b+FRP; block 6 (Mixed_5c) then LinearMap gives the [D] per-frame feature.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from model.dsn import DecoupledSpatialNetwork
from model.frp import frp_guidance, guidance_pyramid
from model.preprocess import normalise_frames

LEVELS = 6  # spatial inception blocks, each looking one frame left and right
GUIDANCE_KEPT = 5  # guidance maps the deepest FRP site (after block 5) needs from before


class SpatialState(NamedTuple):
    """One modality's stream state (batch first).

    raw: uint8 [B, w-1, H, W, 3] the last w-1 frames (FRP needs them).
    guidance: [B, 5, H, W] FRP guidance of the last 5 frames.
    tails: six [B, C_k, 2, h_k, w_k]: level k's last two final frames.
    """

    raw: torch.Tensor
    guidance: torch.Tensor
    tails: tuple[torch.Tensor, ...]


def _valid(first: torch.Tensor, count: int, like: torch.Tensor) -> torch.Tensor:
    """[B, 1, count, 1, 1] mask: 1 where absolute frame first + j >= 0, else 0.

    Args:
        first: [B] int64 absolute index of position 0.
    """
    j = torch.arange(count, device=first.device).view(1, count)
    keep = (first.view(-1, 1) + j) >= 0  # [B, count]
    return keep.to(like.dtype).view(-1, 1, count, 1, 1)


class IncrementalSpatial(nn.Module):
    """A DSN's modules, run on new frames plus cached state (see the module docstring).

    Args:
        dsn: the network whose layers to share (a UnimodalNetwork is a DSN).
        frp_window: w of the FRP guidance.
    """

    def __init__(self, dsn: DecoupledSpatialNetwork, frp_window: int) -> None:
        super().__init__()
        self.dsn = dsn
        self.window = frp_window
        d = dsn
        # (block, FRP site index or None, per-frame spatial pool after it or None)
        self.plan = [
            (d.Mixed_3b, 0, None),
            (d.Mixed_3c, None, d.MaxPool3d_4a_3x3),
            (d.Mixed_4b, 1, None),
            (d.Mixed_4c, None, d.MaxPool3d_5a_2x2),
            (d.Mixed_5b, 2, None),
            (d.Mixed_5c, None, None),
        ]

    def state_shapes(self, size: int) -> dict[str, tuple[int, ...]]:
        """Shapes (batch 1) of a zero state for frames of size x size."""
        shapes: dict[str, tuple[int, ...]] = {
            "raw": (1, max(self.window - 1, 1), size, size, 3),
            "guidance": (1, GUIDANCE_KEPT, size, size),
        }
        with torch.no_grad():
            x = torch.zeros(1, 3, 1, size, size)
            x = self._stem(x)
            shapes["tail0"] = (1, x.shape[1], 2, x.shape[3], x.shape[4])
            for k, (block, _, pool) in enumerate(self.plan[:-1], start=1):
                x = block(x)
                if pool is not None:
                    x = pool(x)
                shapes[f"tail{k}"] = (1, x.shape[1], 2, x.shape[3], x.shape[4])
        return shapes

    def zero_state(self, size: int, batch: int = 1) -> SpatialState:
        """The state of a stream that has seen no frame."""
        s = self.state_shapes(size)
        tails = tuple(torch.zeros((batch,) + s[f"tail{k}"][1:]) for k in range(LEVELS))
        raw = torch.zeros((batch,) + s["raw"][1:], dtype=torch.uint8)
        return SpatialState(raw, torch.zeros((batch,) + s["guidance"][1:]), tails)

    def _stem(self, x: torch.Tensor) -> torch.Tensor:
        d = self.dsn
        x = d.Conv3d_1a_7x7(x)
        x = d.MaxPool3d_2a_3x3(x)
        x = d.Conv3d_2b_1x1(x)
        x = d.Conv3d_2c_3x3(x)
        return d.MaxPool3d_3a_3x3(x)

    def _new_guidance(self, frames: torch.Tensor, state: SpatialState, seen: torch.Tensor) -> torch.Tensor:
        """[B, n, H, W] guidance of the new frames (0 for stream frames before w-1)."""
        n = frames.shape[1]
        if not self.dsn.use_frp or self.window < 2:
            return state.guidance.new_zeros(frames.shape[:4])
        context = normalise_frames(torch.cat([state.raw, frames], dim=1)).to(
            state.guidance.dtype
        )  # [B, 3, w-1+n, H, W]
        g = frp_guidance(context, self.window)[:, 0, -n:]  # [B, n, H, W]
        keep = _valid(seen - (self.window - 1), n, g)[:, 0]  # [B, n, 1, 1]
        return g * keep

    def forward(
        self, frames: torch.Tensor, state: SpatialState, seen: torch.Tensor
    ) -> tuple[torch.Tensor, SpatialState]:
        """Update a stream with n new frames.

        Args:
            frames: uint8 [B, n, H, W, 3] the new frames (n >= 1).
            state: the stream's state after its first `seen` frames.
            seen: int64 [B] frames the stream had before these.

        Returns:
            features [B, n+6, D] of stream frames seen-6 .. seen+n-1 (positions before
            frame 0 hold values to ignore), and the state after the update.
        """
        n = frames.shape[1]
        guidance = self._new_guidance(frames, state, seen)  # [B, n, H, W]
        all_guidance = torch.cat([state.guidance, guidance], dim=1)  # [B, 5+n, H, W]
        widths = self.dsn.feature_widths(frames.shape[3])
        x = self._stem(normalise_frames(frames).to(state.guidance.dtype))  # [B, C0, n, h, w] level 0
        new_tails = []
        for k, (block, site, pool) in enumerate(self.plan, start=1):
            slab = torch.cat([state.tails[k - 1], x], dim=2)  # [B, C, n+k+1, h, w]
            new_tails.append(slab[:, :, n : n + 2])  # final frames before level k-1's provisional ones
            y = block(slab)[:, :, 1:]  # [B, C', n+k, h, w] frames seen-k .. seen+n-1
            if site is not None and self.dsn.use_frp:
                g = all_guidance[:, -(n + k) :].unsqueeze(1)  # [B, 1, n+k, H, W]
                g = guidance_pyramid(g, widths)[site]
                y = self.dsn.frp_module(y, g) + y
            if pool is not None:
                y = pool(y)
            if k < LEVELS:
                y = y * _valid(seen - k, n + k, y)  # frames before the stream are padding
            x = y
        x = x.mean(dim=(3, 4)).transpose(1, 2)  # [B, n+6, C5]
        features = self.dsn.LinearMap(x)  # [B, n+6, D]
        raw = torch.cat([state.raw, frames], dim=1)[:, -state.raw.shape[1] :]
        kept = all_guidance[:, -GUIDANCE_KEPT:]
        return features, SpatialState(raw, kept, tuple(new_tails))
