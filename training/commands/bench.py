"""`gesture bench`: run the benchmark suites, each rewriting its section of BENCHMARKS.md."""

from __future__ import annotations

from pathlib import Path

import typer

from training.commands.common import console, parse_ints

SUITES = ("model", "incremental", "batching", "quantization", "capacity", "transfer", "adapt", "soak")
TRANSFER_SEED = 4242  # the held-out transfer sets (no training set uses it)


def bench(
    suites: str = typer.Option(",".join(SUITES), help=f"Which benchmarks: {', '.join(SUITES)} (comma-separated)."),
    profiles: str = typer.Option("tiny,lite,paper", help="model, incremental: comma-separated profiles."),
    model: Path | None = typer.Option(
        None,
        "--model",
        help="model (measured as it is, beside the profiles), batching, quantization, incremental agreement, "
        "capacity: ONNX model (default: bundled; the model suite then measures the profiles only).",
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
    data: Path | None = typer.Option(
        None,
        help="quantization, incremental: held-out clips and streams (default: data/synth-heldout beside --out, "
        "generated if missing).",
    ),
    calibration: Path | None = typer.Option(
        None, help="quantization: clips to calibrate on (default: data/synth beside --out, generated if missing)."
    ),
    out: Path = typer.Option(
        Path("runs/bench/BENCHMARKS.md"),
        "--out",
        "-o",
        help="Markdown file to (re)write the tables into (this project's own: BENCHMARKS.md).",
    ),
    repeats: int = typer.Option(
        5, min=1, help="model, incremental, quantization: timed runs per measurement (median)."
    ),
    threads: int = typer.Option(2, min=1, help="Threads for PyTorch and onnxruntime."),
    transfer_models: str | None = typer.Option(
        None,
        "--transfer-models",
        help="transfer: comma-separated ONNX models (default: --model or the bundled one); a model's own "
        "training styles may follow an @, joined by + (model.onnx@v1).",
    ),
    transfer_sets: str | None = typer.Option(
        None,
        "--transfer-sets",
        help="transfer: comma-separated dataset folders (default: data/transfer/<style> beside --out for v1 and "
        "every v2 style, generated if missing with seed 4242, 8 clips per class and 3 streams).",
    ),
    trained_on: str = typer.Option(
        "v1", "--trained-on", help="transfer: the styles the models were trained on (comma-separated)."
    ),
    adapt_takes: str = typer.Option("2,3,5,10", "--adapt-takes", help="adapt: takes per class to adapt on."),
    soak_streams: int = typer.Option(16, "--soak-streams", min=1, help="soak: paced 30 fps streams at once."),
    soak_seconds: float = typer.Option(60.0, "--soak-seconds", min=1.0, help="soak: seconds each stream runs."),
    adapt_style: str = typer.Option(
        "studio", "--adapt-style", help="adapt: the generated style the takes are drawn in (one the base never saw)."
    ),
    adapt_scratch: str = typer.Option(
        "5",
        "--adapt-scratch",
        help="adapt: takes per class whose takes also train the network from random weights, as a control "
        "(comma-separated; empty for none).",
    ),
    adapt_vocabularies: str = typer.Option(
        "six,base",
        "--adapt-vocabularies",
        help="adapt: six (six of our gestures under new names) and/or base (the base's 13 classes); rows of "
        "the section this run does not redo are kept.",
    ),
) -> None:
    """Every benchmark in one run, each rewriting its own section of BENCHMARKS.md: `model`
    (parameters, GFLOPs, eager PyTorch vs onnxruntime per window, fraction of the machine's
    MatMul peak), `incremental` (full window vs one hop of incremental streaming, and their
    agreement on held-out streams), `batching` (the scheduler at several batch sizes and
    stream counts), `quantization` (int8 against float32) and `capacity` (concurrent 30 fps
    streams the real server sustains, and frame-to-prediction latency over WebSocket)."""
    from service.settings import default_model_path

    _run_suites(
        _chosen_suites(suites),
        profiles,
        model or default_model_path(),
        data,
        calibration,
        out,
        hop,
        repeats,
        threads,
        streams,
        batches,
        windows,
        capacity_streams,
        seconds,
        size,
        transfer_models,
        transfer_sets,
        trained_on,
        (adapt_takes, adapt_style, adapt_scratch, adapt_vocabularies),
        (soak_streams, soak_seconds),
        [model] if model else [],
    )


def _chosen_suites(suites: str) -> list[str]:
    """The comma-separated suite names of `--suites`, in the order given.

    Raises:
        typer.BadParameter: for a name not in SUITES.
    """
    chosen = [x.strip() for x in suites.split(",") if x.strip()]
    unknown = sorted(set(chosen) - set(SUITES))
    if unknown:
        raise typer.BadParameter(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    return chosen


def _run_suites(
    chosen: list[str],
    profiles: str,
    served: Path,
    data: Path | None,
    calibration: Path | None,
    out: Path,
    hop: int,
    repeats: int,
    threads: int,
    streams: str,
    batches: str,
    windows: int,
    capacity_streams: str,
    seconds: float,
    size: int,
    transfer_models: str | None,
    transfer_sets: str | None,
    trained_on: str,
    adapt_options: tuple[str, str, str, str] = ("2,3,5,10", "studio", "5", "six,base"),
    soak_options: tuple[int, float] = (16, 60.0),
    model_files: list[Path] = (),  # type: ignore[assignment]
) -> None:
    """Generates the data the chosen suites need when missing, then runs them in SUITES
    order (the arguments are `bench`'s options; `served` the ONNX model to measure). What
    the suites generate goes beside the report (`out`'s folder / data), not into the current
    folder; `data` and `calibration` default to sets there."""
    import shlex
    import sys

    command = "gesture " + shlex.join(sys.argv[1:])  # recorded above each table as it was typed
    generated = out.parent / "data"
    data = data or generated / "synth-heldout"
    calibration = calibration or generated / "synth"
    console.print(f"tables go to {out}; data the suites need is generated under {generated} when missing")
    names = [p.strip() for p in profiles.split(",") if p.strip()]
    if {"incremental", "quantization"} & set(chosen):
        _ensure_synth(data, seed=777, per_class=20, streams=6)
    if "quantization" in chosen:
        _ensure_synth(calibration, seed=1, per_class=10, streams=0)
    if "model" in chosen:
        from training.bench.model import run_model_bench

        run_model_bench(names, out, repeats, threads, command, model_files)
    if "incremental" in chosen:
        from training.bench.incremental import run_incremental_bench

        run_incremental_bench(names, served, data, out, hop, repeats, threads, command)
    if "batching" in chosen:
        from training.bench.batching import run_batching_bench

        run_batching_bench(served, out, parse_ints(streams), parse_ints(batches), windows, threads, command)
    if "quantization" in chosen:
        from training.bench.quantization import run_quantization_bench

        run_quantization_bench(served, data, calibration, out, threads, repeats, command=command)
    if "capacity" in chosen:
        from training.bench.capacity import run_capacity_bench

        run_capacity_bench(served, out, parse_ints(capacity_streams), seconds, size, command)
    if "transfer" in chosen:
        _transfer(served, transfer_models, transfer_sets, trained_on, out, hop, command, generated / "transfer")
    if "adapt" in chosen:
        from training.bench.adapt import run_adapt_bench

        takes, style, scratch, vocabularies = adapt_options
        scratch_takes = tuple(parse_ints(scratch)) if scratch.strip() else ()
        chosen_vocabularies = tuple(v.strip() for v in vocabularies.split(",") if v.strip())
        if not set(chosen_vocabularies) <= {"six", "base"} or not chosen_vocabularies:
            raise typer.BadParameter(f"--adapt-vocabularies takes six and/or base, not {vocabularies!r}")
        work = generated / "adapt-bench"
        run_adapt_bench(served, out, parse_ints(takes), work, style, 10.0, command, scratch_takes, chosen_vocabularies)
    if "soak" in chosen:
        from training.bench.soak import run_soak_bench

        run_soak_bench(served, out, *soak_options, size, command)


def _transfer(
    served: Path,
    models: str | None,
    sets: str | None,
    trained_on: str,
    out: Path,
    hop: int,
    command: str,
    generated: Path,
) -> None:
    from training.bench.transfer import parse_models, run_transfer_bench
    from training.synth.styles import ALL_STYLES

    chosen = parse_models(models or str(served), trained_on)
    if sets:
        folders = [Path(d.strip()) for d in sets.split(",") if d.strip()]
    else:
        folders = []
        for style in ALL_STYLES:
            folder = generated / style
            _ensure_synth(folder, seed=TRANSFER_SEED, per_class=8, streams=3, styles=(style,))
            folders.append(folder)
    run_transfer_bench(chosen, folders, out, hop, command)


def _ensure_synth(data: Path, seed: int, per_class: int, streams: int, styles: tuple[str, ...] = ("v1",)) -> None:
    """Generate a SynthGesture-RGBD set when `data` is missing, so that a fresh checkout can
    run the benchmarks that need held-out clips or calibration data without a manual step."""
    if (data / "labels.txt").is_file() and (not streams or (data / "streams").is_dir()):
        return
    from training.synth import write_dataset

    console.print(
        f"{data} missing: generating it (styles {','.join(styles)}, seed {seed}, {per_class} clips per class, "
        f"{streams} streams)"
    )
    write_dataset(data, per_class, seed, size=128, streams=streams, stream_gestures=8, styles=styles)
