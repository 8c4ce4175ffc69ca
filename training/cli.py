"""The `gesture` command line. Training commands import torch lazily, so a serving-only
install (no torch) runs `gesture serve`, `gesture info` and the other serving commands."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from service import cli as service_cli
from service.sources import synthetic

app = typer.Typer(
    help="Real-time RGB-D gesture recognition: convert, train, export and serve models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)


def _render_synthetic(seed: int, gestures: int) -> tuple[list, float, list[str]]:
    """SynthGesture-RGBD streams for the service's demo feed and `gesture stream --synth`."""
    from training.synth import CLASS_NAMES, FPS, key_rng, render_stream

    stream = render_stream(key_rng(seed), size=128, n_gestures=gestures)
    names = [CLASS_NAMES[label] for label, _, _ in stream.events]
    return list(zip(stream.rgb, stream.depth)), float(FPS), names


synthetic.register(_render_synthetic)

app.command("info")(service_cli.info)
app.command("classify")(service_cli.classify)
app.command("serve")(service_cli.serve)
app.command("stream")(service_cli.stream)
app.command("export-triton")(service_cli.export_triton)


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
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"wrote {out} (max relative difference onnxruntime vs PyTorch: {report.worst:.2e})")


@app.command("synth")
def synth(
    out: Path = typer.Option(..., "--out", "-o", help="Folder to write."),
    clips_per_class: int = typer.Option(100, "--clips-per-class", min=1, help="Isolated clips per class."),
    seed: int = typer.Option(0, "--seed", help="Seed: the same seed gives the same files on any machine."),
    size: int = typer.Option(128, "--size", min=32, help="Square frame size."),
    streams: int = typer.Option(0, "--streams", min=0, help="Continuous streams with ground truth."),
    stream_gestures: int = typer.Option(8, "--stream-gestures", min=1, help="Gestures per stream."),
    fmt: str = typer.Option(
        "split", "--format", help="split: official split-file layout; npz: .npz clips + labels.csv."
    ),
    workers: int = typer.Option(0, "--workers", min=0, help="Processes (0: one per core)."),
) -> None:
    """Generate SynthGesture-RGBD: 13 gesture classes in colour and depth (see docs/synthetic-gestures)."""
    from training.synth import write_dataset, write_npz_clips

    if fmt == "split":
        summary = write_dataset(
            out,
            clips_per_class,
            seed,
            size=size,
            streams=streams,
            stream_gestures=stream_gestures,
            workers=workers or None,
        )
    elif fmt == "npz":
        if streams:
            raise typer.BadParameter("--streams needs --format split")
        summary = write_npz_clips(out, clips_per_class, seed, size=size, workers=workers or None)
    else:
        raise typer.BadParameter(f"--format must be split or npz, not {fmt!r}")
    console.print(summary)


@app.command("train", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def train(
    ctx: typer.Context,
    config: Path = typer.Argument(..., help="YAML config (see training/configs/)."),
    resume: bool = typer.Option(False, "--resume", help="Continue from OUT/last.pt when it exists."),
    export: Path | None = typer.Option(None, "--export", help="Export the best checkpoint to this ONNX file."),
) -> None:
    """Train a network (rgb, depth or rgbd); extra `key.sub=value` arguments override the config.

    Runs in one process, or data-parallel under `torchrun --nproc-per-node N -m training.cli train ...`.
    """
    from training.data import DatasetError
    from training.distributed import shutdown_distributed
    from training.export.checkpoint_card import export_checkpoint
    from training.export.onnx import ParityError
    from training.train_config import ConfigError, load_train_config
    from training.trainer import Trainer

    try:
        cfg = load_train_config(config, list(ctx.args))
        trainer = Trainer(cfg, resume=resume)
        best = trainer.run()
        if export is not None and trainer.ctx.is_main:
            report = export_checkpoint(Path(cfg.out) / "best.pt", export)
            console.print(f"exported {export} (parity {report.worst:.1e})")
    except (ConfigError, DatasetError, FileNotFoundError, ParityError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    finally:
        shutdown_distributed()
    console.print(f"best valid top-1: {best:.4f}; checkpoints in {cfg.out}")


@app.command("evaluate")
def evaluate_cmd(
    data: Path = typer.Option(..., "--data", help="Dataset folder (any supported layout, or .npz clips + labels.csv)."),
    model: Path | None = typer.Option(None, "--model", help="Checkpoint (.pt) or ONNX; default: the bundled model."),
    layout: str | None = typer.Option(None, "--layout", help="Dataset layout (default: detect)."),
    split: str = typer.Option("valid", "--split", help="Split of split-file layouts: train, valid or all."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    confusion: Path | None = typer.Option(None, "--confusion", help="Write the confusion matrix PNG here."),
) -> None:
    """Top-1, top-5 and per-class accuracy of a model on a dataset, with a confusion-matrix PNG."""
    import json

    from service.inference.model_card import ModelCardError
    from service.settings import default_model_path
    from training.data import DatasetError
    from training.evaluation.clips import evaluate
    from training.evaluation.scores import confusion_png

    path = model or default_model_path()
    try:
        report, names = evaluate(path, data, layout=layout, split=split, progress=not as_json)
    except (DatasetError, FileNotFoundError, ModelCardError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    png = confusion or Path(data) / "confusion.png"
    confusion_png(report.confusion, names, png)
    if as_json:
        print(json.dumps({"model": str(path), "confusion_png": str(png), **report.to_json()}))
        return
    console.print(f"{path} on {data}: top-1 {report.top1:.4f}, top-5 {report.top5:.4f} ({report.count} clips)")
    for name, acc in report.per_class.items():
        console.print(f"  {name:>16}: {acc:.3f}")
    console.print(f"confusion matrix: {png}")


@app.command("quantize")
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
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"wrote {out}")
    if mode == "static":
        console.print(
            "[yellow]static int8 broke the bundled model (chance-level top-1, BENCHMARKS.md): "
            "check its accuracy with `gesture evaluate` before serving it[/yellow]"
        )


@app.command("tune-events")
def tune_events_cmd(
    data: Path = typer.Option(..., "--data", help="Streams with ground truth to tune on (not the ones you report)."),
    model: Path | None = typer.Option(None, "--model", help="Checkpoint (.pt) or ONNX; default: the bundled model."),
    windows: str = typer.Option("32,48,64", "--windows", help="Streaming window lengths (frames) to try."),
    hop: int = typer.Option(4, "--hop", min=1, help="Frames between windows."),
    top: int = typer.Option(5, "--top", min=1, help="Settings to print, best first."),
) -> None:
    """Choose the streaming window and event-detector settings on streams with ground truth."""
    from rich.table import Table

    from service.inference.model_card import ModelCardError
    from service.settings import default_model_path
    from training.evaluation.tune_events import tune

    try:
        trials = tune(model or default_model_path(), data, _ints(windows), hop)
    except (FileNotFoundError, ModelCardError, KeyError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    table = Table(title=f"best of {len(trials)} settings")
    for col in ("window", "threshold", "smoothing", "min windows", "release windows", "Levenshtein", "delay"):
        table.add_column(col)
    for t in trials[:top]:
        p = t.params
        delay = "n/a" if t.mean_delay is None else f"{t.mean_delay:.1f}"
        table.add_row(
            str(t.window),
            f"{p.threshold:g}",
            str(p.smoothing),
            str(p.min_windows),
            str(p.release_windows),
            f"{t.accuracy:.4f}",
            delay,
        )
    Console().print(table)


@app.command("evaluate-stream")
def evaluate_stream_cmd(
    data: Path = typer.Option(..., "--data", help="Folder with streams/*.npz and their *.json ground truth."),
    model: Path | None = typer.Option(None, "--model", help="Checkpoint (.pt) or ONNX; default: the bundled model."),
    hop: int = typer.Option(4, "--hop", min=1, help="Frames between windows."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Online recognition on continuous streams: Levenshtein accuracy and detection delay."""
    import json

    from service.inference.model_card import ModelCardError
    from service.settings import default_model_path
    from training.evaluation.streams import evaluate_streams

    path = model or default_model_path()
    try:
        scores, totals = evaluate_streams(path, data, hop=hop, progress=not as_json)
    except (FileNotFoundError, ModelCardError, KeyError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if as_json:
        print(
            json.dumps(
                {
                    "model": str(path),
                    **totals,
                    "streams": [
                        {
                            "name": s.name,
                            "truth": s.truth,
                            "detected": s.detected,
                            "accuracy": s.accuracy,
                            "delays": s.delays,
                        }
                        for s in scores
                    ],
                }
            )
        )
        return
    for s in scores:
        console.print(f"{s.name}: accuracy {s.accuracy:.3f}  truth {s.truth}  detected {s.detected}")
    delay = totals["mean_delay_frames"]
    console.print(
        f"Levenshtein accuracy {totals['levenshtein_accuracy']:.4f} over {totals['gestures']} gestures; "
        f"mean delay {'n/a' if delay is None else f'{delay:.1f} frames'}"
    )


@app.command("export")
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
    from training.checkpoint import CheckpointError
    from training.export.checkpoint_card import export_checkpoint
    from training.export.onnx import ParityError

    try:
        with console.status("exporting to ONNX and checking parity with onnxruntime"):
            report = export_checkpoint(checkpoint, out, stream_window=stream_window, stages=stages)
    except (FileNotFoundError, CheckpointError, ParityError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"wrote {out} (max relative difference onnxruntime vs PyTorch: {report.worst:.2e})")


@app.command("record")
def record(
    out: Path = typer.Option(..., "--out", help="Dataset folder (recorder layout); takes are added to it."),
    labels: str | None = typer.Option(None, "--labels", help="Comma-separated gesture names to record."),
    count: int = typer.Option(5, "--count", min=1, help="Takes per label."),
    seconds: float = typer.Option(3.0, "--seconds", min=0.1, help="Length of a take."),
    camera: str | None = typer.Option(None, "--camera", help="A RealSense camera: its serial, or 'first'."),
    recording: Path | None = typer.Option(None, "--recording", help="Cut takes from a recording (.bag/.db3)."),
    countdown: int = typer.Option(3, "--countdown", min=0, help="Camera: seconds of countdown before a take."),
    width: int = typer.Option(640, help="Camera: frame width."),
    height: int = typer.Option(480, help="Camera: frame height."),
    fps: int = typer.Option(30, help="Camera: frame rate."),
    review: bool = typer.Option(False, "--review", help="List the takes under --out and choose bad ones to delete."),
    delete: str | None = typer.Option(None, "--delete", help="With --review: clip ids to delete, comma-separated."),
) -> None:
    """Record labelled gesture clips for `gesture train` (guided: countdown, "perform X now")."""
    from rich.table import Table

    from service.sources.realsense import RealSenseError, RealSenseSource
    from training.data.clip import DatasetError
    from training.data.record import delete_takes, list_takes, record_takes

    if review:
        try:
            takes = list_takes(out)
        except DatasetError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
        table = Table(title=f"takes in {out}")
        for col in ("clip", "label", "frames", "fps", "split"):
            table.add_column(col)
        for t in takes:
            table.add_row(t.clip_id, t.label_name, str(t.frames), f"{t.fps:g}", t.split or "-")
        Console().print(table)
        answer = delete if delete is not None else typer.prompt("delete which takes (ids, comma-separated)", default="")
        ids = [x.strip() for x in answer.split(",") if x.strip()]
        try:
            for clip_id in delete_takes(out, ids):
                console.print(f"deleted {clip_id}")
        except KeyError as exc:
            console.print(f"[red]error:[/red] {exc.args[0]}")
            raise typer.Exit(2) from exc
        return
    names = [x.strip() for x in (labels or "").split(",") if x.strip()]
    if not names:
        raise typer.BadParameter("give the gestures to record with --labels a,b,c")
    if (camera is None) == (recording is None):
        raise typer.BadParameter("give exactly one of --camera or --recording")
    try:
        source = (
            RealSenseSource(recording=recording)
            if recording is not None
            else RealSenseSource(serial=None if camera == "first" else camera, width=width, height=height, fps=fps)
        ).open()
        try:
            rate = float(source.stream_fps or fps)
            takes = record_takes(
                source.frames(),
                out,
                names,
                count,
                seconds,
                rate,
                live=camera is not None,
                countdown=countdown,
                say=console.print,
            )
        finally:
            source.close()
    except RealSenseError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"{len(takes)} takes written under {out}; train with `gesture train CONFIG data.root={out}`")


def _ints(text: str) -> list[int]:
    try:
        values = [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a comma-separated list of integers") from exc
    if not values or min(values) < 1:
        raise typer.BadParameter(f"{text!r}: give positive integers")
    return values


SUITES = ("model", "incremental", "batching", "quantization", "capacity")


@app.command("bench")
def bench(
    suites: str = typer.Option(",".join(SUITES), help=f"Which benchmarks: {', '.join(SUITES)} (comma-separated)."),
    profiles: str = typer.Option("tiny,lite,paper", help="model, incremental: comma-separated profiles."),
    model: Path | None = typer.Option(
        None, "--model", help="batching, quantization, incremental agreement, capacity: ONNX model (default: bundled)."
    ),
    streams: str = typer.Option("1,4,16", help="batching: concurrent stream counts."),
    batches: str = typer.Option("1,4,8", help="batching: maximum batch sizes."),
    windows: int = typer.Option(16, min=1, help="batching: windows each stream submits."),
    hop: int = typer.Option(4, min=1, help="incremental: frames per hop."),
    capacity_streams: str = typer.Option(
        "1,2,3,4,5,6,8,10,12,16", help="capacity: stream counts to try, in order (stops at the first skipping >= 1 %)."
    ),
    seconds: float = typer.Option(10.0, min=1.0, help="capacity: seconds each trial streams."),
    size: int = typer.Option(128, min=32, help="capacity: frame size the clients send."),
    data: Path = typer.Option(
        Path("data/synth-heldout"), help="quantization, incremental: held-out clips and streams (generated if missing)."
    ),
    calibration: Path = typer.Option(Path("data/synth"), help="quantization: clips to calibrate on."),
    out: Path = typer.Option(Path("BENCHMARKS.md"), help="Markdown file to (re)write the tables into."),
    repeats: int = typer.Option(
        5, min=1, help="model, incremental, quantization: timed runs per measurement (median)."
    ),
    threads: int = typer.Option(2, min=1, help="Threads for PyTorch and onnxruntime."),
) -> None:
    """Every benchmark in one run, each rewriting its own section of BENCHMARKS.md: `model`
    (parameters, GFLOPs, eager PyTorch vs onnxruntime per window, fraction of the machine's
    MatMul peak), `incremental` (full window vs one hop of incremental streaming, and their
    agreement on held-out streams), `batching` (the scheduler at several batch sizes and
    stream counts), `quantization` (int8 against float32) and `capacity` (concurrent 30 fps
    streams the real server sustains, and frame-to-prediction latency over WebSocket)."""
    from service.settings import default_model_path

    chosen = [x.strip() for x in suites.split(",") if x.strip()]
    unknown = sorted(set(chosen) - set(SUITES))
    if unknown:
        raise typer.BadParameter(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    names = [p.strip() for p in profiles.split(",") if p.strip()]
    served = model or default_model_path()
    if {"incremental", "quantization"} & set(chosen):
        _ensure_synth(data, seed=777, per_class=20, streams=6)
    if "quantization" in chosen:
        _ensure_synth(calibration, seed=1, per_class=10, streams=0)
    if "model" in chosen:
        from training.bench.model import run_model_bench

        run_model_bench(names, out, repeats, threads)
    if "incremental" in chosen:
        from training.bench.incremental import run_incremental_bench

        run_incremental_bench(names, served, data, out, hop, repeats, threads)
    if "batching" in chosen:
        from training.bench.batching import run_batching_bench

        run_batching_bench(served, out, _ints(streams), _ints(batches), windows, threads)
    if "quantization" in chosen:
        from training.bench.quantization import run_quantization_bench

        run_quantization_bench(served, data, calibration, out, threads, repeats)
    if "capacity" in chosen:
        from training.bench.capacity import run_capacity_bench

        run_capacity_bench(served, out, _ints(capacity_streams), seconds, size)


def _ensure_synth(data: Path, seed: int, per_class: int, streams: int) -> None:
    """Generate a SynthGesture-RGBD set when `data` is missing (a fresh checkout)."""
    if (data / "labels.txt").is_file() and (not streams or (data / "streams").is_dir()):
        return
    from training.synth import write_dataset

    console.print(f"{data} missing: generating it (seed {seed}, {per_class} clips per class, {streams} streams)")
    write_dataset(data, per_class, seed, size=128, streams=streams, stream_gestures=8)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
