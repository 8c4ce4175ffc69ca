"""Writes SynthGesture-RGBD clips as one `.npz` file each, with a `labels.csv` index.

Layout under `out`: `c05_000123.npz` (`rgb` uint8 [T, H, W, 3], `depth` uint16 [T, H, W])
per clip and `labels.csv` with header `file,label,name`. Clips are the same as those of
`writer.write_dataset` with the same seed.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from training.synth import classes as C
from training.synth.styles import check_styles
from training.synth.writers.parallel import ClipTask, clip_tasks, run_parallel
from training.synth.writers.styled import render_styled_clip


@dataclass(frozen=True)
class NpzSummary:
    """What `write_npz_clips` wrote.

    Attributes:
        out: the output folder; clips: number of files; frames: frames over all clips;
        seconds: wall-clock time taken.
    """

    out: Path
    clips: int
    frames: int
    seconds: float

    def line(self) -> str:
        """One line for people: what was written where."""
        return (
            f"wrote {self.clips} .npz clips ({self.frames} frames) and labels.csv under {self.out} "
            f"in {self.seconds:.0f} s"
        )


def _write_npz(
    task: ClipTask, root: Path, seed: int, size: int, compress: bool, styles: tuple[str, ...]
) -> tuple[str, int, int]:
    clip = render_styled_clip(task.label, task.rng(seed), size, styles)
    file = f"{task.name}.npz"
    save = np.savez_compressed if compress else np.savez
    save(root / file, rgb=clip.rgb, depth=clip.depth)
    return file, clip.frames, task.label


def write_npz_clips(
    out: Path,
    clips_per_class: int,
    seed: int,
    size: int = 128,
    workers: int | None = None,
    progress: bool = True,
    compress: bool = False,
    styles: tuple[str, ...] = ("v1",),
) -> NpzSummary:
    """Renders clips and writes them as `.npz` files plus `labels.csv`.

    Args:
        out: output folder (created).
        clips_per_class: clips per class (13 classes).
        seed: dataset seed (non-negative).
        size: frame height = width, px.
        workers: processes; None for os.cpu_count().
        progress: show a tqdm progress bar.
        compress: zip-compress the arrays.
        styles: `("v1",)` or v2 styles to draw each clip's style from.

    Returns:
        A summary of what was written.
    """
    styles = check_styles(styles)
    started = time.perf_counter()
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    rows = run_parallel(
        partial(_write_npz, root=root, seed=seed, size=size, compress=compress, styles=styles),
        clip_tasks(clips_per_class),
        workers,
        progress,
        "clips",
    )
    with open(root / "labels.csv", "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["file", "label", "name"])
        for file, _, label in rows:
            writer.writerow([file, label, C.CLASS_NAMES[label]])
    return NpzSummary(
        out=root,
        clips=len(rows),
        frames=sum(r[1] for r in rows),
        seconds=time.perf_counter() - started,
    )
