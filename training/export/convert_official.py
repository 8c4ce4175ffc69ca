"""Official MotionRGBD checkpoints (`.pth.tar`) to our networks."""

from __future__ import annotations

import pickle
import re
from dataclasses import dataclass
from pathlib import Path

import torch

from model.build import build_model
from model.capf import CrossModalFusionNetwork
from model.config import ModelConfig
from model.official import Kind, OfficialCheckpointError, infer_config, load_official_weights, strip_module_prefix
from model.unimodal import UnimodalNetwork


@dataclass
class OfficialModel:
    """A loaded official network with what was inferred about it."""

    net: UnimodalNetwork | CrossModalFusionNetwork
    cfg: ModelConfig
    kind: Kind
    modalities: list[str]


def read_state_dict(path: Path, trust: bool = False) -> dict[str, torch.Tensor]:
    """The `model` state dict of an official checkpoint file, `module.` prefixes removed.

    Args:
        path: `.pth.tar` / `.pth` file: `{'model': state_dict, ...}` or a bare state dict.
        trust: allow full unpickling (arbitrary code) when the safe loader refuses the file.

    Raises:
        FileNotFoundError: no such file.
        OfficialCheckpointError: unreadable, or no state dict inside.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=not trust)
    except pickle.UnpicklingError as exc:
        raise OfficialCheckpointError(
            f"{path}: the safe loader refused it ({str(exc).splitlines()[0]}); "
            "pass --trust-checkpoint if you trust where this file came from"
        ) from exc
    except Exception as exc:  # torch raises many types for corrupt archives
        raise OfficialCheckpointError(f"{path}: not a readable PyTorch checkpoint ({exc})") from exc
    state = blob.get("model", blob) if isinstance(blob, dict) else None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise OfficialCheckpointError(f"{path}: no state dict of tensors (expected key 'model')")
    return strip_module_prefix(state)


def guess_unimodal_modality(path: Path) -> str:
    """Official file names mark the modality: `-M` RGB, `-K` depth; default RGB."""
    name = Path(path).name
    if re.search(r"[-_]K([-_.]|$)", name):
        return "depth"
    return "rgb"


def load_official(
    path: Path,
    frp_window: int,
    size: int = 224,
    modality: str | None = None,
    trust: bool = False,
) -> OfficialModel:
    """Build our network for an official checkpoint and load its weights.

    Args:
        path: the checkpoint.
        frp_window: FRP window (not stored in checkpoints: 4 NvGesture, 10 otherwise).
        size: frame size the network will take (official 224).
        modality: for unimodal checkpoints, `rgb` or `depth` (default: from the file name).
        trust: see `read_state_dict`.
    """
    state = read_state_dict(path, trust=trust)
    cfg, kind = infer_config(state, size=size, frp_window=frp_window)
    if kind == "fusion":
        modalities = ["rgb", "depth"]
        net = build_model(cfg, "rgbd")
    else:
        m = modality or guess_unimodal_modality(path)
        if m not in ("rgb", "depth"):
            raise ValueError(f"modality must be rgb or depth, got {m!r}")
        modalities = [m]
        net = build_model(cfg, m)  # type: ignore[arg-type]
    load_official_weights(net, state)
    return OfficialModel(net.eval(), cfg, kind, modalities)
