"""Untrained `tiny` models exported to ONNX, for service tests that need a real session fast."""

from __future__ import annotations

from pathlib import Path


def export_tiny(path: Path, modalities: str = "rgbd", stream_window: int = 12, stages: bool = False) -> Path:
    """Export a randomly initialised tiny model (13 SynthGesture labels) to `path`; with
    `stages`, also its incremental stages (use a stream_window that is a multiple of 8)."""
    import torch

    from model import build_model, get_profile
    from service.inference.model_card import ModelCard
    from training.export.onnx import export_onnx
    from training.synth import CLASS_NAMES

    torch.manual_seed(0)
    cfg = get_profile("tiny").with_(num_classes=len(CLASS_NAMES))
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
    net = build_model(cfg, modalities)
    export_onnx(net, card, path)
    if stages:
        from service.inference.model_card import read_model_card
        from training.export.stages import export_stages

        export_stages(net, read_model_card(str(path))[0], path)
    return path
