"""The `gesture` command line. Training commands import torch lazily, so a serving-only
install (no torch) runs `gesture serve`, `gesture info` and the other serving commands."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from service import cli as service_cli

app = typer.Typer(
    help="Real-time RGB-D gesture recognition: convert, train, export and serve models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)

app.command("info")(service_cli.info)


def _labels(path: Path | None, count: int) -> list[str]:
    if path is None:
        return [f"class_{i}" for i in range(count)]
    names = [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]
    if len(names) != count:
        raise typer.BadParameter(f"{path} has {len(names)} labels but the model has {count} classes")
    return names


@app.command("convert-official")
def convert_official(
    checkpoint: Path = typer.Argument(..., help="Official MotionRGBD .pth.tar (unimodal or RGB-D fusion)."),
    out: Path = typer.Option(..., "--out", "-o", help="ONNX file to write."),
    frp_window: int = typer.Option(..., "--frp-window", min=1, help="FRP window: 4 for NvGesture, 10 otherwise."),
    labels: Path | None = typer.Option(None, "--labels", help="Text file, one class name per line."),
    modality: str | None = typer.Option(
        None, "--modality", help="Unimodal checkpoints: rgb or depth (default: from the file name, -K = depth)."
    ),
    size: int = typer.Option(224, "--size", min=32, help="Frame size the model takes."),
    depth_encoding: str = typer.Option("gray", "--depth-encoding", help="gray, jet or jet_bgr."),
    depth_near_mm: float = typer.Option(300.0, "--depth-near-mm", help="Depth mapped to the near end."),
    depth_far_mm: float = typer.Option(3000.0, "--depth-far-mm", help="Depth mapped to the far end."),
    trust_checkpoint: bool = typer.Option(False, "--trust-checkpoint", help="Allow full unpickling."),
) -> None:
    """Convert an official MotionRGBD checkpoint to a self-contained ONNX model."""
    from model.official import OfficialCheckpointError
    from service.model_card import ModelCard, ModelCardError
    from training.export import ParityError, export_onnx
    from training.official import load_official

    try:
        with console.status("reading checkpoint"):
            loaded = load_official(checkpoint, frp_window, size=size, modality=modality, trust=trust_checkpoint)
        cfg = loaded.cfg
        console.print(
            f"{loaded.kind} {'+'.join(loaded.modalities)} network: {cfg.num_classes} classes, "
            f"T={cfg.frames}, D={cfg.dim}, N={cfg.temporal.depth}, RCM hidden {cfg.temporal.rcm_hidden}"
        )
        card = ModelCard(
            labels=_labels(labels, cfg.num_classes),
            modalities=loaded.modalities,
            frames=cfg.frames,
            height=size,
            width=size,
            frp_window=frp_window,
            depth_encoding=depth_encoding,
            depth_near_mm=depth_near_mm,
            depth_far_mm=depth_far_mm,
            profile="official",
            source=f"MotionRGBD official checkpoint {Path(checkpoint).name}",
        )
        with console.status("exporting to ONNX and checking parity with onnxruntime"):
            report = export_onnx(loaded.net, card, out)
    except (FileNotFoundError, OfficialCheckpointError, ModelCardError, ParityError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"wrote {out} (max relative difference onnxruntime vs PyTorch: {report.worst:.2e})")


@app.command("bench")
def bench(
    profiles: str = typer.Option("tiny,lite,paper", help="Comma-separated profiles."),
    out: Path = typer.Option(Path("BENCHMARKS.md"), help="Markdown file to (re)write the table into."),
    repeats: int = typer.Option(5, min=1, help="Timed runs per measurement (median)."),
    threads: int = typer.Option(2, min=1, help="Threads for PyTorch and onnxruntime."),
) -> None:
    """Measure parameters, GFLOPs and per-window latency (eager PyTorch vs onnxruntime)."""
    from training.bench import run_model_bench

    run_model_bench([p.strip() for p in profiles.split(",") if p.strip()], out, repeats, threads)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
