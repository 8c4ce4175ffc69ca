"""`gesture export`: one of our checkpoints to the ONNX contract."""

from __future__ import annotations

from pathlib import Path

from training.checkpoint import card_from_checkpoint, load_checkpoint, network_from_checkpoint
from training.export.onnx import ParityReport
from training.export.stages import export_with_stages


def export_checkpoint(
    ckpt: Path, out: Path, source: str | None = None, stream_window: int = 0, stages: bool = True
) -> ParityReport:
    """Export a checkpoint written by `gesture train`; raises ParityError on mismatch.

    Args:
        stream_window: raw frames a live window spans (0: the model's T frames).
        stages: also write the incremental-streaming stages (x.frame.onnx, x.window.onnx)
            where the network has them (not the official CAPF layout).
    """
    blob = load_checkpoint(ckpt)
    net = network_from_checkpoint(blob)
    epoch = int(blob.get("epoch", -1)) + 1
    text = (
        source
        or f"gesture train checkpoint {Path(ckpt).name} (epoch {epoch}, valid top-1 {blob.get('valid_top1', 0):.4f})"
    )
    return export_with_stages(net, card_from_checkpoint(blob, text, stream_window), out, stages)
