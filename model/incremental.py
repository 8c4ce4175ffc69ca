"""Incremental DSN: the spatial features of a stream's newest window, updated `n` frames at
a time, equal to the full-window DSN on that window.

Inside a DSN only two things look at other frames: FRP guidance (frame j uses frames
j-w+1 .. j) and the (3, 3, 3) pool branch of each of the six spatial inception blocks
(frame j of block k sees frames j-1 .. j+1 of block k-1). Everything else is per frame.

Call the input of block k "level k-1" (level 0 = after MaxPool3d_3a, level 1 = after
Mixed_3b + FRP, level 2 = after Mixed_3c + MaxPool3d_4a, level 3 = after Mixed_4b + FRP,
level 4 = after Mixed_4c + MaxPool3d_5a, level 5 = after Mixed_5b + FRP); block 6
(Mixed_5c), the spatial mean and LinearMap give the [D] feature of a frame. A stream keeps,
per level, a ring of the last T frames, plus rings of the FRP guidance (at the three
feature sizes) and of the final features.

An update with n new frames:

1. Right edge. The stem runs on the n new frames only. Block k recomputes frames N-k ..
   N+n-1 (N = frames seen before): the last k-1 frames of level k-1 were *provisional*
   (their right neighbour was zero padding, as at the right edge of a full window) and
   now have neighbours. Block k runs on the two final frames before them + the n+k-1
   recomputed ones, keeping all outputs but the first. The newest frames stay provisional
   exactly like the last frames of a full window.
2. Left edge. A full window zero-pads before its first frame at every pool (6 levels
   deep) and zeroes the FRP guidance of its first w-1 frames, while the stream's features
   there saw their real predecessors. So at level k the first L_k + 1 window positions
   differ, L_k = k - 1 + max(w - 2, 0) (FRP on). Those few positions are recomputed per
   window, block by block, from the rings with the window's own padding.

The result is the full-window DSN on the last T frames, to float rounding, at the cost of
the stem on n frames plus roughly (n + k + 1) + (L_k + 2) frames of each inception block
instead of T. At the start of a stream the rings are zeros and frames before frame 0 are
masked to zero, so `seen = 0` with T frames is the full window computed in one go.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from model.dsn import DecoupledSpatialNetwork
from model.frp import frp_guidance, guidance_pyramid
from model.preprocess import normalise_frames

LEVELS = 6  # spatial inception blocks, each looking one frame left and right


class SpatialState(NamedTuple):
    """One modality's stream state (batch first).

    raw: uint8 [B, w-1, H, W, 3] the last w-1 frames (FRP needs them).
    guidance: three [B, T+5, h_i, w_i] FRP guidance rings at the three feature sizes.
    rings: six [B, C_k, T, h_k, w_k] level rings (the last k frames of level k provisional).
    features: [B, T, D] the per-frame features of the last T frames (stream semantics).
    """

    raw: torch.Tensor
    guidance: tuple[torch.Tensor, ...]
    rings: tuple[torch.Tensor, ...]
    features: torch.Tensor


def _valid(first: torch.Tensor, count: int, like: torch.Tensor) -> torch.Tensor:
    """[B, 1, count, 1, 1] mask: 1 where absolute frame first + j >= 0, else 0.

    Args:
        first: [B] int64 absolute index of position 0.
    """
    j = torch.arange(count, device=first.device).view(1, count)
    keep = (first.view(-1, 1) + j) >= 0  # [B, count]
    return keep.to(like.dtype).view(-1, 1, count, 1, 1)


class IncrementalSpatial(nn.Module):
    """A DSN's modules run on new frames plus cached state (see the module docstring).

    Args:
        dsn: the network whose layers to share (a UnimodalNetwork is a DSN).
        frames: T, the window length.
        frp_window: w of the FRP guidance.
    """

    def __init__(self, dsn: DecoupledSpatialNetwork, frames: int, frp_window: int) -> None:
        super().__init__()
        self.dsn = dsn
        self.frames = frames
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
        frp = dsn.use_frp and frp_window >= 2
        self.left = [k - 1 + (frp_window - 2 if frp else 0) for k in range(LEVELS + 1)]  # L_k, L_0 = -1 (+w-2)
        self.left[0] = -1
        if self.left[LEVELS] + 2 > frames:
            raise ValueError(
                f"a {frames}-frame window is too short for incremental updates (needs {self.left[-1] + 2})"
            )

    # -- state ---------------------------------------------------------------------------
    def state_shapes(self, size: int) -> dict[str, tuple[int, ...]]:
        """Shapes (batch 1) of the state for frames of size x size."""
        t = self.frames
        widths = self.dsn.feature_widths(size)
        shapes: dict[str, tuple[int, ...]] = {"raw": (1, max(self.window - 1, 1), size, size, 3)}
        for i, w in enumerate(widths):
            shapes[f"guidance{i}"] = (1, t + LEVELS - 1, w, w)
        with torch.no_grad():
            x = self._stem(torch.zeros(1, 3, 1, size, size))
            shapes["ring0"] = (1, x.shape[1], t, x.shape[3], x.shape[4])
            for k, (block, _, pool) in enumerate(self.plan[:-1], start=1):
                x = block(x)
                if pool is not None:
                    x = pool(x)
                shapes[f"ring{k}"] = (1, x.shape[1], t, x.shape[3], x.shape[4])
        shapes["features"] = (1, t, self.dsn.LinearMap[1].out_features)
        return shapes

    def zero_state(self, size: int, batch: int = 1) -> SpatialState:
        """The state of a stream that has seen no frame."""
        s = {k: (batch,) + v[1:] for k, v in self.state_shapes(size).items()}
        return SpatialState(
            torch.zeros(s["raw"], dtype=torch.uint8),
            tuple(torch.zeros(s[f"guidance{i}"]) for i in range(3)),
            tuple(torch.zeros(s[f"ring{k}"]) for k in range(LEVELS)),
            torch.zeros(s["features"]),
        )

    # -- pieces ----------------------------------------------------------------------------
    def _stem(self, x: torch.Tensor) -> torch.Tensor:
        d = self.dsn
        x = d.Conv3d_1a_7x7(x)
        x = d.MaxPool3d_2a_3x3(x)
        x = d.Conv3d_2b_1x1(x)
        x = d.Conv3d_2c_3x3(x)
        return d.MaxPool3d_3a_3x3(x)

    def _new_guidance(self, frames: torch.Tensor, state: SpatialState, seen: torch.Tensor) -> list[torch.Tensor]:
        """Guidance of the new frames at the three feature sizes: three [B, n, h_i, w_i]
        (0 for stream frames before w-1, as the full window's first frames)."""
        n, size = frames.shape[1], frames.shape[3]
        widths = self.dsn.feature_widths(size)
        dtype = state.features.dtype
        if not self.dsn.use_frp or self.window < 2:
            return [state.features.new_zeros(frames.shape[0], n, w, w) for w in widths]
        context = normalise_frames(torch.cat([state.raw, frames], dim=1)).to(dtype)  # [B, 3, w-1+n, H, W]
        g = frp_guidance(context, self.window)[:, :, -n:]  # [B, 1, n, H, W]
        g = g * _valid(seen - (self.window - 1), n, g)
        return [p[:, 0] for p in guidance_pyramid(g, widths)]  # three [B, n, h_i, w_i]

    def _block(self, k: int, slab: torch.Tensor, guidance: torch.Tensor | None) -> torch.Tensor:
        """Block k on a slab of level k-1 frames (SAME padding), FRP with per-frame guidance
        [B, frames, h, w] aligned to the outputs, then its spatial pool."""
        block, site, pool = self.plan[k - 1]
        y = block(slab)
        if site is not None and guidance is not None and self.dsn.use_frp:
            y = self.dsn.frp_module(y, guidance.unsqueeze(1)) + y
        return pool(y) if pool is not None else y

    def _head(self, x: torch.Tensor) -> torch.Tensor:
        """[B, C5, t, h, w] -> [B, t, D]."""
        return self.dsn.LinearMap(x.mean(dim=(3, 4)).transpose(1, 2))

    # -- update ----------------------------------------------------------------------------
    def forward(
        self, frames: torch.Tensor, state: SpatialState, seen: torch.Tensor
    ) -> tuple[torch.Tensor, SpatialState]:
        """Update a stream with n new frames (1 <= n <= T).

        Args:
            frames: uint8 [B, n, H, W, 3] the new frames.
            state: the stream's state after its first `seen` frames.
            seen: int64 [B] frames the stream had before these.

        Returns:
            window features [B, T, D]: the full-window DSN on the stream's last T frames
            (meaningful once seen + n >= T), and the state after the update.
        """
        n, t = frames.shape[1], self.frames
        new_g = self._new_guidance(frames, state, seen)
        guidance = tuple(torch.cat([r, g], dim=1)[:, -(t + LEVELS - 1) :] for r, g in zip(state.guidance, new_g))
        dtype = state.features.dtype

        # 1. Right edge: recompute the provisional frames and add the new ones, level by level.
        x = self._stem(normalise_frames(frames).to(dtype))  # [B, C0, n, h, w] new frames of level 0
        rings = [torch.cat([state.rings[0], x], dim=2)[:, :, -t:]]
        for k in range(1, LEVELS + 1):
            old = state.rings[k - 1]
            tail = old[:, :, t - (k - 1) - 2 : t - (k - 1)]  # two final frames before the provisional ones
            slab = torch.cat([tail, x], dim=2)  # [B, C, n+k+1, h, w]
            site = self.plan[k - 1][1]
            g = guidance[site][:, -(n + k) :] if site is not None else None
            y = self._block(k, slab, None if g is None else torch.cat([g[:, :1], g], dim=1))[:, :, 1:]
            if k < LEVELS:
                y = y * _valid(seen - k, n + k, y)  # frames before the stream are padding
                rings.append(torch.cat([state.rings[k][:, :, : t - k], y], dim=2)[:, :, -t:])
            x = y  # [B, C_k, n+k, h, w]: frames seen-k .. seen+n-1
        recent = self._head(x)  # [B, n+6, D]
        features = torch.cat([state.features[:, : t - LEVELS], recent], dim=1)[:, -t:]  # [B, T, D]

        # 2. Left edge: the window's first positions, with the window's own zero padding.
        left = rings[0][:, :, : self.left[1] + 2]  # level 0, positions 0 .. L_1 + 1
        for k in range(1, LEVELS + 1):
            lk = self.left[k]
            if k > 1:
                extra = rings[k - 1][:, :, self.left[k - 1] + 1 : lk + 2]  # beyond level k-1's left edge
                left = torch.cat([left, extra], dim=2)  # positions 0 .. L_k + 1
            site = self.plan[k - 1][1]
            g = None
            if site is not None:
                g = guidance[site][:, -t:][:, : lk + 2]  # window positions 0 .. L_k + 1
                first = torch.arange(lk + 2, device=g.device).view(1, -1, 1, 1) >= self.window - 1
                g = g * first.to(g.dtype)  # the window's first w-1 frames have no guidance
            left = self._block(k, left, g)[:, :, : lk + 1]  # positions 0 .. L_k
        window = torch.cat([self._head(left), features[:, self.left[LEVELS] + 1 :]], dim=1)  # [B, T, D]

        raw = torch.cat([state.raw, frames], dim=1)[:, -state.raw.shape[1] :]
        return window, SpatialState(raw, guidance, tuple(rings), features)
