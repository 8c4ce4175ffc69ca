"""Untrained `tiny` models exported to ONNX, for service tests that need a real session fast."""

from __future__ import annotations

from pathlib import Path

from tests.support.server_utils import ROOT

TRAIN_CONFIG = ROOT / "training" / "configs" / "synth-lite-rgb.yaml"


def tiny_training_overrides(data: Path, out: Path, **extra: object) -> list[str]:
    """Config overrides for a seconds-long tiny-profile run of `TRAIN_CONFIG` on `data`."""
    base = {
        "profile": "tiny",
        "data.root": str(data),
        "out": str(out),
        "data.num_workers": 0,
        "augment.resize": 40,
        "optim.epochs": 2,
        "optim.batch_size": 4,
        "max_steps_per_epoch": 2,
        "optim.warmup_epochs": 1,
        "teacher.checkpoint": "",  # the shipped RGB config names the depth run as its teacher
    }
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]


def tiny_net(modalities: str = "rgbd"):
    """The untrained tiny network (13 SynthGesture labels) that `export_tiny` exports: the
    same weights every call (seed 0), so a test can compare an exported file with it."""
    import torch

    from model import build_model, get_profile
    from training.synth import CLASS_NAMES

    torch.manual_seed(0)
    return build_model(get_profile("tiny").with_(num_classes=len(CLASS_NAMES)), modalities).eval()


def export_tiny(path: Path, modalities: str = "rgbd", stream_window: int = 12) -> Path:
    """Export `tiny_net(modalities)` to `path` (no incremental stages: the `staged_tiny`
    fixture makes those through `gesture export`)."""
    from service.inference.model_card import ModelCard
    from training.export.onnx import export_onnx
    from training.synth import CLASS_NAMES

    net = tiny_net(modalities)
    cfg = net.cfg
    card = ModelCard(
        labels=list(CLASS_NAMES),
        modalities=["rgb", "depth"] if modalities == "rgbd" else [modalities],
        frames=cfg.frames,
        height=cfg.size,
        width=cfg.size,
        frp_window=cfg.frp_window,
        resize=40,
        stream_window=stream_window,
        source="test",
    )
    export_onnx(net, card, path)
    return path
