"""Export commands: `gesture convert-official` (MotionRGBD checkpoints), `gesture export`
(our checkpoints) and `gesture quantize` (int8), all ending in the served ONNX contract."""

from __future__ import annotations

from pathlib import Path

import typer

from service.cli_errors import fail
from training.commands.common import console


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
    from service.inference.model_card import ModelCard, ModelCardError
    from training.export.convert_official import load_official
    from training.export.onnx import ParityError, export_onnx

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
        fail(str(exc), console)
    console.print(f"wrote {out} (max relative difference onnxruntime vs PyTorch: {report.worst:.2e})")


def _labels(path: Path | None, count: int) -> list[str]:
    """Class names for a converted model: one per line of `path`, or class_0.. without one
    (official checkpoints carry no names).

    Raises:
        typer.BadParameter: the file's line count differs from the model's class count.
    """
    if path is None:
        return [f"class_{i}" for i in range(count)]
    names = [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]
    if len(names) != count:
        raise typer.BadParameter(f"{path} has {len(names)} labels but the model has {count} classes")
    return names


def export_cmd(
    checkpoint: Path = typer.Argument(..., help="Checkpoint written by `gesture train` (best.pt / last.pt)."),
    out: Path = typer.Option(..., "--out", "-o", help="ONNX file to write."),
    stream_window: int = typer.Option(
        0, "--stream-window", min=0, help="Raw frames a live-stream window spans (0: the model's T frames)."
    ),
    stages: bool = typer.Option(
        True, "--stages/--no-stages", help="Also write the incremental-streaming stages (x.frame.onnx, x.window.onnx)."
    ),
) -> None:
    """Export one of our checkpoints to the ONNX contract (refused unless onnxruntime agrees with PyTorch)."""
    from service.inference.stages import stage_paths
    from training.checkpoint import CheckpointError
    from training.export.from_checkpoint import export_checkpoint
    from training.export.onnx import ParityError

    what = "the model and its two streaming stages" if stages else "the model"
    console.print(f"exporting {what} to ONNX, each checked against PyTorch (minutes on a small CPU) ...")
    try:
        with console.status("exporting to ONNX and checking parity with onnxruntime"):
            report = export_checkpoint(checkpoint, out, stream_window=stream_window, stages=stages)
    except (FileNotFoundError, CheckpointError, ParityError, ValueError) as exc:
        fail(str(exc), console)
    written = [out, *(p for p in stage_paths(out) if p.is_file())] if stages else [out]
    console.print(
        f"wrote {', '.join(map(str, written))} (max relative difference onnxruntime vs PyTorch: {report.worst:.2e})"
    )
    if stages and len(written) == 1:
        console.print("no streaming stages: this network's temporal part cannot run incrementally")


def quantize_cmd(
    model: Path = typer.Argument(..., help="A gesture ONNX model (float)."),
    out: Path = typer.Option(..., "--out", "-o", help="int8 ONNX file to write."),
    mode: str = typer.Option("dynamic", "--mode", help="dynamic (the default) or static (calibrated QDQ)."),
    data: Path | None = typer.Option(None, "--data", help="static: dataset whose train clips calibrate."),
    clips: int = typer.Option(64, "--clips", min=1, help="static: calibration clips."),
) -> None:
    """int8 quantisation (onnxruntime). Dynamic int8 keeps the bundled model's accuracy;
    static QDQ does not (BENCHMARKS.md): check with `gesture evaluate` before serving."""
    from training.export.quantize import quantize_model

    try:
        quantize_model(model, out, mode, data, clips)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc), console)
    console.print(f"wrote {out}")
    if mode == "static":
        console.print(
            "[yellow]static int8 broke the bundled model (chance-level top-1, BENCHMARKS.md): "
            "check its accuracy with `gesture evaluate` before serving it[/yellow]"
        )


def fit_tone_cmd(
    model: Path = typer.Argument(..., help="Trained RGB-D ONNX model (gray depth) to give the hand-tone head."),
    data: Path = typer.Option(..., "--data", help="Clips to fit on (train split) and to report on (valid split)."),
    out: Path = typer.Option(..., "--out", "-o", help="ONNX model to write (its stages go beside it)."),
    l2: float | None = typer.Option(
        None, "--l2", min=0.0, help="L2 penalty on the head's weights (default: training/tone_fit.py DEFAULT_L2)."
    ),
    reverse_pairs: str | None = typer.Option(
        None,
        "--reverse-pairs",
        help="Classes that are each other played backwards, 'a:b,c:d' (default: SynthGesture's; '' for none).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON on stdout."),
) -> None:
    """Fit the hand-tone head (how light the nearest surface is, frame by frame) on top of a
    trained RGB-D model, leaving the rest of it as it is; writes the model with its stages."""
    import json

    from tqdm import tqdm

    from training.export.onnx import ParityError
    from training.tone_fit import DEFAULT_L2, DEFAULT_REVERSE_PAIRS, fit_tone
    from training.train_config import ConfigError

    if out.suffix != ".onnx":
        fail(f"--out {out}: give a .onnx file name", console)
    bars: dict[str, tqdm] = {}

    def progress(what: str):  # noqa: ANN202 - a callback factory
        def update(done: int, total: int) -> None:
            if what not in bars:
                bars[what] = tqdm(total=total, desc=what, unit="clip")
            bar = bars[what]
            bar.update(done - bar.n)
            if done == total:
                bar.close()

        return update

    pairs = DEFAULT_REVERSE_PAIRS if reverse_pairs is None else reverse_pairs
    try:
        report = fit_tone(model, data, out, l2=DEFAULT_L2 if l2 is None else l2, reverse_pairs=pairs, progress=progress)
    except (FileNotFoundError, ConfigError, ParityError, ValueError) as exc:
        fail(str(exc), console)
    if as_json:
        print(json.dumps(report))
    before, after = report["valid_top1_before"], report["valid_top1_after"]
    scores = "no validation clips" if before is None else f"validation top-1 {before:.1%} -> {after:.1%}"
    console.print(
        f"wrote {out}: {scores} on {report['valid_clips']} clips "
        f"({report['train_rows']} training rows, {report['seconds']:.0f} s)",
        highlight=False,
    )
