"""Our checkpoint format: everything needed to resume exactly and to export."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from model.build import build_model
from model.capf import CrossModalFusionNetwork
from model.config import FusionConfig, ModelConfig, SpatialConfig, TemporalConfig
from model.unimodal import UnimodalNetwork
from service.inference.model_card import ModelCard

FORMAT = "gesture-checkpoint-1"


class CheckpointError(ValueError):
    """Not one of our checkpoints, or it does not fit the network (message says why)."""


def model_config_from_dict(d: dict[str, Any]) -> ModelConfig:
    """Rebuild a ModelConfig from `dataclasses.asdict` output (tuples restored)."""

    def tup(section: dict[str, Any]) -> dict[str, Any]:
        return {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()}

    top = {k: v for k, v in d.items() if k not in ("spatial", "temporal", "fusion")}
    return ModelConfig(
        **top,
        spatial=SpatialConfig(**tup(d["spatial"])),
        temporal=TemporalConfig(**tup(d["temporal"])),
        fusion=FusionConfig(**tup(d["fusion"])),
    )


def rng_state() -> dict[str, Any]:
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(), "python": random.getstate()}


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])


def save_checkpoint(path: Path, payload: dict[str, Any]) -> None:
    """Atomically write a checkpoint (a crash mid-write leaves the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"format": FORMAT, **payload}, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Read one of our checkpoints.

    The full unpickler is used (the saved numpy RNG state needs it): load only files you or
    your training runs wrote. Official MotionRGBD files go through `convert-official`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise CheckpointError(f"{path}: not a readable checkpoint ({exc})") from exc
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(
            f"{path}: not a gesture checkpoint (for official MotionRGBD files use `gesture convert-official`)"
        )
    return blob


def network_from_checkpoint(blob: dict[str, Any]) -> UnimodalNetwork | CrossModalFusionNetwork:
    """Rebuild the network a checkpoint holds, weights loaded, in eval mode."""
    cfg = model_config_from_dict(blob["model_config"])
    net = build_model(cfg, blob["modalities"])
    net.load_state_dict(blob["model"])
    return net.eval()


def card_from_checkpoint(blob: dict[str, Any], source: str, stream_window: int = 0) -> ModelCard:
    """The model card a checkpoint implies (labels, modalities, preprocessing).

    It sits with the checkpoint format because it only reads checkpoint fields: exporting a
    checkpoint and evaluating one both need the card, so neither reaches into the other.

    Args:
        blob: a checkpoint as `load_checkpoint` returns it.
        source: where the model came from, for the card's provenance line.
        stream_window: raw frames a live-stream window spans (0: the model's T frames).
    """
    cfg = blob["model_config"]
    modalities = ["rgb", "depth"] if blob["modalities"] == "rgbd" else [blob["modalities"]]
    depth = blob.get("depth", {})
    resize = int(blob.get("train_config", {}).get("augment", {}).get("resize", cfg["size"]))
    return ModelCard(
        labels=list(blob["labels"]),
        modalities=modalities,
        frames=int(cfg["frames"]),
        height=int(cfg["size"]),
        width=int(cfg["size"]),
        frp_window=int(cfg["frp_window"]),
        resize=max(resize, int(cfg["size"])),
        depth_encoding=depth.get("encoding", "gray"),
        depth_near_mm=float(depth.get("near_mm", 300.0)),
        depth_far_mm=float(depth.get("far_mm", 3000.0)),
        profile=str(cfg.get("profile", "")),
        source=source,
        stream_window=stream_window,
    )


def load_unimodal_into(branch: UnimodalNetwork, path: Path, modality: str) -> None:
    """Initialise one branch of a fusion network from a unimodal checkpoint (heads dropped).

    Raises:
        CheckpointError: the checkpoint is not a `modality` network of the same shape.
    """
    blob = load_checkpoint(path)
    if blob["modalities"] != modality:
        raise CheckpointError(f"{path} is a {blob['modalities']} checkpoint, expected {modality}")
    state = {k: v for k, v in blob["model"].items() if not k.startswith("dtn.mlp_head_")}
    missing, unexpected = branch.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise CheckpointError(
            f"{path} does not fit the fusion branch: missing {missing[:3]}, unexpected {unexpected[:3]}"
        )
