"""The two exported stages of incremental streaming, as flat-tensor modules.

- `FrameStage`: new uint8 frames + the stream's state -> the spatial features of the
  stream's newest T-frame window + the next state. For RGB-D (layout `per_frame`) it also
  adds the per-frame cross-modal term, so the window stage starts at the DTNs.
- `WindowStage`: the window's T per-frame features -> RCM, DTN (and CAPF) -> logits.

`WindowStage(FrameStage(...))` equals the full-window graph on the stream's last T frames
(see `model/incremental.py`), however the stream was cut into updates.

State tensors are named `<modality>_<part>` (parts: `raw`, `guidance0..2`, `ring0..5`,
`features`); the next state comes back as `next_<name>` and the service feeds it in on the
next update. A network with the hand-tone head (`fusion.hand_tone`) also keeps the last T
frames' tones (`hand_tone`, [B, T]) and hands them on as `window_tone`; the service passes
every `window_<x>` output to the window stage as `features_<x>`.
"""

from __future__ import annotations

import torch
from torch import nn

from model.capf import CrossModalFusionNetwork
from model.incremental import LEVELS, IncrementalSpatial, SpatialState
from model.unimodal import UnimodalNetwork

STATE_PARTS = ["raw", "guidance0", "guidance1", "guidance2"] + [f"ring{k}" for k in range(LEVELS)] + ["features"]
TONE_STATE = "hand_tone"


def state_names(modalities: list[str], tone: bool = False) -> list[str]:
    """Flat state input names, in the order the stages take them (`tone`: the hand-tone
    ring last)."""
    return [f"{m}_{part}" for m in modalities for part in STATE_PARTS] + ([TONE_STATE] if tone else [])


def window_names(modalities: list[str], tone: bool = False) -> list[str]:
    """The frame stage's window outputs; the window stage takes them as `features_<x>`."""
    return [f"window_{m}" for m in modalities] + (["window_tone"] if tone else [])


class FrameStage(nn.Module):
    """Per-frame stage: (frames per modality, seen, *state) -> (features..., *next state).

    Args:
        net: a unimodal network or a fusion network with layout `per_frame`.
        modality: the input name of a unimodal network.
    """

    def __init__(self, net: UnimodalNetwork | CrossModalFusionNetwork, modality: str = "depth") -> None:
        super().__init__()
        if isinstance(net, CrossModalFusionNetwork):
            if net.cfg.fusion.layout != "per_frame":
                raise ValueError("layout `official` mixes frames in CAPF: no per-frame stage")
            self.fusion: CrossModalFusionNetwork | None = net
            spatial = {"rgb": net.Modalit_rgb, "depth": net.Modalit_depth}
        else:
            self.fusion = None
            spatial = {modality: net}
        self.modalities = list(spatial)
        cfg = net.cfg
        self.spatial = nn.ModuleDict({m: IncrementalSpatial(n, cfg.frames, cfg.frp_window) for m, n in spatial.items()})
        self.size = net.cfg.size
        self.frames = cfg.frames
        self.tone = self.fusion is not None and self.fusion.hand_tone is not None

    def state_names(self) -> list[str]:
        return state_names(self.modalities, self.tone)

    def window_names(self) -> list[str]:
        return window_names(self.modalities, self.tone)

    def output_names(self) -> list[str]:
        return self.window_names() + [f"next_{n}" for n in self.state_names()]

    def zero_state(self, batch: int = 1) -> list[torch.Tensor]:
        """The flat state of a stream that has seen nothing."""
        out: list[torch.Tensor] = []
        for m in self.modalities:
            s = self.spatial[m].zero_state(self.size, batch)
            out += [s.raw, *s.guidance, *s.rings, s.features]
        if self.tone:
            out.append(torch.zeros(batch, self.frames))
        return out

    def forward(self, *args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Update a batch of streams.

        Args:
            args: new frames uint8 [B, n, H, W, 3] per modality, `seen` int64 [B], then the
                flat state (see `state_names`).

        Returns:
            window features [B, T, D] per modality (the stream's last T frames; with the
            hand-tone head also their tones [B, T]), then the flat next state.
        """
        k = len(self.modalities)
        frames, seen, flat = args[:k], args[k], args[k + 1 :]
        per = len(STATE_PARTS)
        features, next_state = [], []
        for i, m in enumerate(self.modalities):
            s = flat[i * per : (i + 1) * per]
            state = SpatialState(s[0], tuple(s[1:4]), tuple(s[4 : 4 + LEVELS]), s[4 + LEVELS])
            f, new = self.spatial[m](frames[i], state, seen)
            features.append(f)
            next_state += [new.raw, *new.guidance, *new.rings, new.features]
        if self.fusion is not None:
            cross = self.fusion.spatial_interaction(features[0], features[1])  # [B, T, D]
            features = [features[0] + cross, features[1] + cross]
        if self.fusion is not None and self.tone:
            new_tones = self.fusion.frame_tones(frames[0], frames[1])  # [B, n]
            assert new_tones is not None
            ring = flat[k * per]  # [B, T], the last T frames' tones
            tones = torch.cat([ring, new_tones], dim=1)[:, -self.frames :]  # [B, T]
            features.append(tones)
            next_state.append(tones)
        return (*features, *next_state)


class WindowStage(nn.Module):
    """Per-window stage: features [B, T, D] per modality -> logits [B, K] (and, for RGB-D,
    rgb_logits and depth_logits)."""

    def __init__(self, net: UnimodalNetwork | CrossModalFusionNetwork) -> None:
        super().__init__()
        self.net = net

    def forward(self, *features: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """[B, T, D] per modality (and [B, T] tones with the hand-tone head) -> [B, K]
        logits (RGB-D: fused, rgb, depth)."""
        if isinstance(self.net, CrossModalFusionNetwork):
            tone = features[2] if len(features) > 2 else None
            out = self.net.fuse_interacted(features[0], features[1], tone)
            return out.logits, out.rgb_logits, out.depth_logits
        temporal = self.net.temporal(features[0])
        logits, _ = self.net.dtn.heads(temporal.branch_features)
        return logits
