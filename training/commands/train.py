"""`gesture train`: a config (plus command-line overrides) to checkpoints, optionally ONNX."""

from __future__ import annotations

from pathlib import Path

import typer

from service.cli_errors import fail
from training.commands.common import console

# `key.sub=value` overrides arrive as extra arguments, which typer would otherwise refuse
TRAIN_CONTEXT = {"allow_extra_args": True, "ignore_unknown_options": True}


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
    from training.export.from_checkpoint import export_checkpoint
    from training.export.onnx import ParityError
    from training.train_config import ConfigError, load_train_config
    from training.trainer import Trainer

    try:
        cfg = load_train_config(config, list(ctx.args))
        console.print(
            f"training {cfg.modalities} ({cfg.profile} profile) on {cfg.data.root}: reading the data and building "
            "the network…",
            highlight=False,
        )
        trainer = Trainer(cfg, resume=resume)
        if trainer.ctx.is_main:
            console.print(_start_line(trainer), highlight=False)
        best = trainer.run()
        if export is not None and trainer.ctx.is_main:
            report = export_checkpoint(Path(cfg.out) / "best.pt", export)
            console.print(f"exported {export} (parity {report.worst:.1e})")
    except (ConfigError, DatasetError, FileNotFoundError, ParityError) as exc:
        fail(str(exc), console)
    finally:
        shutdown_distributed()
    console.print(f"best valid top-1: {best:.4f}; checkpoints in {cfg.out}")


def _start_line(trainer) -> str:  # type: ignore[no-untyped-def]
    """What the run is about to do, in one line."""
    o = trainer.cfg.optim
    where = f"resuming at epoch {trainer.start_epoch + 1}" if trainer.start_epoch else "from the start"
    return (
        f"{len(trainer.train_ds)} training and {len(trainer.valid_ds)} validation clips of {len(trainer.labels)} "
        f"classes; {o.epochs} epochs of {trainer.steps_per_epoch} steps (batch {o.batch_size}) on "
        f"{trainer.ctx.device}, {where}; checkpoints in {trainer.cfg.out}"
    )
