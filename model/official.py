"""Reading official MotionRGBD state dicts: key clean-up and config inference from shapes.

The module attribute names in `model/` are the release's, so an official state dict loads
as it is once the DistributedDataParallel `module.` prefix is gone. Everything the release
hard-codes (classes, RCM width, window T, token width, depth N, branch sizes) is read
back from the tensors' shapes; the frame size and the FRP window are not stored, and the
attention head count (8 in every official model) cannot be told from the shapes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

import torch

from model.config import FusionConfig, ModelConfig, SpatialConfig, TemporalConfig

Kind = Literal["unimodal", "fusion"]
_INCEPTION_PARTS = ("b0", "b1a", "b1b", "b2a", "b2b", "b3b")


class OfficialCheckpointError(ValueError):
    """The tensors are not an official MotionRGBD network (message says what is missing)."""


def strip_module_prefix(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Remove a leading `module.` (DistributedDataParallel) from every key."""
    return {(k[7:] if k.startswith("module.") else k): v for k, v in state.items()}


def detect_kind(state: Mapping[str, torch.Tensor]) -> Kind:
    """`fusion` when the keys hold both Modalit_rgb and Modalit_depth, else `unimodal`."""
    if any(k.startswith("Modalit_rgb.") for k in state) and any(k.startswith("Modalit_depth.") for k in state):
        return "fusion"
    if "Conv3d_1a_7x7.conv3d.weight" in state and "LinearMap.1.weight" in state:
        return "unimodal"
    raise OfficialCheckpointError(
        "not a MotionRGBD state dict: neither Modalit_rgb/Modalit_depth (fusion) "
        "nor Conv3d_1a_7x7/LinearMap (unimodal) keys found"
    )


def _get(state: Mapping[str, torch.Tensor], key: str) -> torch.Tensor:
    try:
        return state[key]
    except KeyError:
        raise OfficialCheckpointError(f"missing key {key!r}") from None


def _widths(state: Mapping[str, torch.Tensor], prefix: str) -> tuple[int, int, int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        int(_get(state, f"{prefix}.{part}.conv3d.weight").shape[0]) for part in _INCEPTION_PARTS
    )


def _spatial_config(state: Mapping[str, torch.Tensor], p: str) -> SpatialConfig:
    """DSN widths from the stem and inception convolutions under prefix `p`."""
    return SpatialConfig(
        stem=(
            int(_get(state, f"{p}Conv3d_1a_7x7.conv3d.weight").shape[0]),
            int(_get(state, f"{p}Conv3d_2b_1x1.conv3d.weight").shape[0]),
            int(_get(state, f"{p}Conv3d_2c_3x3.conv3d.weight").shape[0]),
        ),
        mixed_3b=_widths(state, f"{p}Mixed_3b"),
        mixed_3c=_widths(state, f"{p}Mixed_3c"),
        mixed_4b=_widths(state, f"{p}Mixed_4b"),
        mixed_4c=_widths(state, f"{p}Mixed_4c"),
        mixed_5b=_widths(state, f"{p}Mixed_5b"),
        mixed_5c=_widths(state, f"{p}Mixed_5c"),
        frp=f"{p}frp_module.rpconv1d.weight" in state,
    )


def _temporal_config(
    state: Mapping[str, torch.Tensor], p: str, distill_temperature: float | None
) -> tuple[TemporalConfig, int]:
    """DTN settings (and the window T, stored only in the RCM's shapes) under prefix `p`."""
    layer_ids = {
        int(m.group(1)) for k in state if (m := re.match(re.escape(p) + r"dtn\.multi_scale_transformers\.(\d+)\.", k))
    }
    if not layer_ids:
        raise OfficialCheckpointError(f"no {p}dtn.multi_scale_transformers.* keys")
    blk = f"{p}dtn.multi_scale_transformers.0.transformer_enc_small.layers.0"
    inner = int(_get(state, f"{blk}.0.fn.to_qkv.weight").shape[0]) // 3
    # The head count is not stored in the tensors; every official model has 8 heads.
    heads = 8
    if inner % heads:
        raise OfficialCheckpointError(f"attention width {inner} is not divisible by 8 heads")
    tokens = tuple(int(_get(state, f"{p}dtn.pos_embedding_{b}").shape[1]) - 1 for b in ("small", "media", "large"))
    has_rcm = f"{p}dtn.rcm.q.weight" in state
    if has_rcm:
        frames = int(_get(state, f"{p}dtn.rcm.q.weight").shape[1])
        rcm_hidden = int(_get(state, f"{p}dtn.rcm.project.0.weight").shape[0])
        rcm_qk = int(_get(state, f"{p}dtn.rcm.q.weight").shape[0])
    else:
        frames, rcm_hidden, rcm_qk = 64, 256, 64
    if distill_temperature is None:
        distill_temperature = 0.5 if rcm_hidden == 128 else 0.4
    temporal = TemporalConfig(
        branch_tokens=tokens,  # type: ignore[arg-type]
        depth=max(layer_ids) + 1,
        heads=heads,
        head_dim=inner // heads,
        mlp_dim=int(_get(state, f"{blk}.1.fn.fc1.weight").shape[0]),
        local_inception=_widths(state, f"{p}dtn.multi_scale_transformers.0.Mixed_small"),
        rcm=has_rcm,
        rcm_hidden=rcm_hidden,
        rcm_qk_dim=rcm_qk,
        distill_temperature=distill_temperature,
    )
    return temporal, frames


def _head_config(state: Mapping[str, torch.Tensor], kind: Kind, dim: int) -> tuple[FusionConfig, int]:
    """The class count and, for a fusion checkpoint, the CAPF encoder widths."""
    if kind == "fusion":
        enc = "fusion_model.encoder.enconv"
        fusion = FusionConfig(
            layout="official",
            encoder_widths=tuple(  # type: ignore[arg-type]
                int(_get(state, f"{enc}.{i}.weight").shape[0]) for i in (0, 3, 6, 9)
            ),
        )
        return fusion, int(_get(state, "classifier1.1.weight").shape[0])
    # Unused by a unimodal network; the paper's proportions keep the config valid.
    fusion = FusionConfig(layout="official", encoder_widths=(2 * dim, dim, dim // 2, dim // 2))
    return fusion, int(_get(state, "dtn.mlp_head_small.1.weight").shape[0])


def infer_config(
    state: Mapping[str, torch.Tensor],
    size: int = 224,
    frp_window: int = 4,
    distill_temperature: float | None = None,
) -> tuple[ModelConfig, Kind]:
    """The ModelConfig an official state dict (prefix already stripped) was trained with.

    Args:
        state: the state dict.
        size: frame size (not stored in checkpoints; official 224).
        frp_window: FRP window (not stored; official 4 for NvGesture, 10 otherwise).
        distill_temperature: tau of the distillation term (only matters for training);
            default 0.5 for THU-READ-like RCM widths (128), else 0.4.

    Raises:
        OfficialCheckpointError: when keys are missing.
    """
    kind = detect_kind(state)
    p = "Modalit_rgb." if kind == "fusion" else ""
    dim = int(_get(state, f"{p}LinearMap.1.weight").shape[0])
    temporal, frames = _temporal_config(state, p, distill_temperature)
    fusion, num_classes = _head_config(state, kind, dim)
    cfg = ModelConfig(
        profile="official",
        frames=frames,
        size=size,
        num_classes=num_classes,
        dim=dim,
        frp_window=frp_window,
        spatial=_spatial_config(state, p),
        temporal=temporal,
        fusion=fusion,
    )
    return cfg, kind


def load_official_weights(model: torch.nn.Module, state: Mapping[str, torch.Tensor]) -> None:
    """Load a prefix-stripped official state dict strictly (shape or key mismatch raises).

    Unimodal networks inside a fusion network carry no heads; any `mlp_head` keys a fusion
    checkpoint holds for them are dropped.
    """
    own = model.state_dict()
    filtered = {k: v for k, v in state.items() if k in own or ".mlp_head_" not in k}
    missing, unexpected = [], []
    for k in own:
        if k not in filtered:
            missing.append(k)
    for k, v in filtered.items():
        if k not in own:
            unexpected.append(k)
        elif tuple(v.shape) != tuple(own[k].shape):
            raise OfficialCheckpointError(
                f"shape mismatch for {k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}"
            )
    if missing or unexpected:
        raise OfficialCheckpointError(
            f"checkpoint does not match the network: missing {missing[:5]}"
            f"{'...' if len(missing) > 5 else ''}, unexpected {unexpected[:5]}"
            f"{'...' if len(unexpected) > 5 else ''}"
        )
    model.load_state_dict(filtered, strict=True)
