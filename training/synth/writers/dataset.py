"""Writes SynthGesture-RGBD in the official split-file layout (NvGesture style).

Layout under `out`:

- `rgb/clips/<clip>/%06d.jpg`: colour frames, JPEG quality 95, no chroma subsampling;
- `depth/clips/<clip>/%06d.png`: depth frames, 16-bit PNG in millimetres;
- `dataset_splits/train.txt`, `dataset_splits/valid.txt`: lines `name frames label`
  with name like `clips/c05_000123`;
- `labels.txt`: class names in id order;
- `streams/stream_%03d.npz` (`rgb`, `depth`) and `streams/stream_%03d.json` (fps, frames,
  events) when streams are asked for;
- `synth.json`: the generator parameters.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import cv2
import numpy as np

from training.synth import classes as C
from training.synth.constants import FPS, STREAM_GAP_FRAMES, VERSION, VERSION_2
from training.synth.styles import check_styles
from training.synth.writers.parallel import ClipTask, clip_tasks, run_parallel, split_rng, stream_rng
from training.synth.writers.styled import render_styled_clip, render_styled_stream

JPEG_QUALITY = 95
CLIP_DIR = "clips"


@dataclass(frozen=True)
class DatasetSummary:
    """What `write_dataset` wrote.

    Attributes:
        out: the dataset root.
        clips: number of isolated clips; train / valid: how many went to each split.
        frames: frames over all clips.
        streams: number of streams; stream_frames: frames over all streams.
        seconds: wall-clock time taken.
    """

    out: Path
    clips: int
    train: int
    valid: int
    frames: int
    streams: int
    stream_frames: int
    seconds: float

    def line(self) -> str:
        """One line for people: what was written where."""
        streams = f", {self.streams} streams ({self.stream_frames} frames)" if self.streams else ""
        return (
            f"wrote {self.clips} clips ({self.train} train, {self.valid} valid; {self.frames} frames){streams} "
            f"under {self.out} in {self.seconds:.0f} s"
        )


def clip_name(task: ClipTask) -> str:
    """The split-file name of a clip, e.g. `clips/c05_000123`."""
    return f"{CLIP_DIR}/{task.name}"


def write_frames(root: Path, name: str, rgb: np.ndarray, depth: np.ndarray) -> None:
    """Writes one clip's frames as JPEG and 16-bit PNG files.

    Args:
        root: dataset root.
        name: clip name (relative directory under `rgb/` and `depth/`).
        rgb: uint8 [T, H, W, 3] RGB.
        depth: uint16 [T, H, W] mm.

    Raises:
        OSError: when OpenCV cannot write a file.
    """
    rgb_dir = root / "rgb" / name
    depth_dir = root / "depth" / name
    rgb_dir.mkdir(parents=True, exist_ok=True)
    depth_dir.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    if hasattr(cv2, "IMWRITE_JPEG_SAMPLING_FACTOR"):  # full-resolution colour (4:4:4)
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444]
    for t in range(rgb.shape[0]):
        ok = cv2.imwrite(str(rgb_dir / f"{t:06d}.jpg"), np.ascontiguousarray(rgb[t, ..., ::-1]), params)
        ok &= cv2.imwrite(str(depth_dir / f"{t:06d}.png"), depth[t])
        if not ok:
            raise OSError(f"could not write frame {t} of {name} under {root}")


def _write_clip(task: ClipTask, root: Path, seed: int, size: int, styles: tuple[str, ...]) -> tuple[str, int, int]:
    clip = render_styled_clip(task.label, task.rng(seed), size, styles)
    name = clip_name(task)
    write_frames(root, name, clip.rgb, clip.depth)
    return name, clip.frames, task.label


def write_stream_files(
    stream_dir: Path,
    index: int,
    rgb: np.ndarray,
    depth: np.ndarray,
    events: list[tuple[int, int, int]],
) -> None:
    """Writes `stream_%03d.npz` (rgb, depth) and `stream_%03d.json` (fps, frames, events)."""
    stream_dir.mkdir(parents=True, exist_ok=True)
    stem = stream_dir / f"stream_{index:03d}"
    np.savez_compressed(f"{stem}.npz", rgb=rgb, depth=depth)
    meta = {
        "fps": FPS,
        "frames": int(rgb.shape[0]),
        "events": [
            {"label": int(lab), "name": C.CLASS_NAMES[lab], "start": int(first), "end": int(last)}
            for lab, first, last in events
        ],
    }
    Path(f"{stem}.json").write_text(json.dumps(meta, indent=1) + "\n")


def _write_stream(
    index: int, root: Path, seed: int, size: int, n_gestures: int, styles: tuple[str, ...], gap: tuple[int, int]
) -> int:
    stream = render_styled_stream(stream_rng(seed, index), size, n_gestures, styles, gap)
    write_stream_files(root / "streams", index, stream.rgb, stream.depth, stream.events)
    return stream.frames


def split_names(
    rows: list[tuple[str, int, int]], seed: int, valid_fraction: float
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """Splits clip rows (name, frames, label) per class, deterministically from the seed.

    round(valid_fraction * n) clips of each class go to valid (at least one when a class
    has two or more clips, so that a small set never trains without validation).

    Returns:
        (train rows, valid rows), each in the order of `rows`.
    """
    if not 0.0 <= valid_fraction <= 1.0:
        raise ValueError(f"valid_fraction must be in [0, 1], got {valid_fraction}")
    valid_names: set[str] = set()
    for label in range(C.NUM_CLASSES):
        names = [r[0] for r in rows if r[2] == label]
        order = split_rng(seed, label).permutation(len(names))
        n_valid = int(round(valid_fraction * len(names)))
        if valid_fraction > 0 and len(names) >= 2:
            n_valid = max(1, n_valid)  # a class with two clips still has one to validate on
        valid_names.update(names[i] for i in order[:n_valid])
    train = [r for r in rows if r[0] not in valid_names]
    valid = [r for r in rows if r[0] in valid_names]
    return train, valid


def _write_split(path: Path, rows: list[tuple[str, int, int]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{name} {frames} {label}\n" for name, frames, label in rows))


def _write_clips(
    root: Path,
    clips_per_class: int,
    seed: int,
    size: int,
    valid_fraction: float,
    workers: int | None,
    progress: bool,
    styles: tuple[str, ...],
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int]], list[tuple[str, int, int]]]:
    """Renders and writes every isolated clip, the two split files and `labels.txt`.

    Returns:
        (all rows, train rows, valid rows), rows being (name, frames, label).
    """
    write = partial(_write_clip, root=root, seed=seed, size=size, styles=styles)
    rows = run_parallel(write, clip_tasks(clips_per_class), workers, progress, "clips")
    train, valid = split_names(rows, seed, valid_fraction)
    _write_split(root / "dataset_splits" / "train.txt", train)
    _write_split(root / "dataset_splits" / "valid.txt", valid)
    (root / "labels.txt").write_text("".join(f"{n}\n" for n in C.CLASS_NAMES))
    return rows, train, valid


def _synth_params(
    seed: int,
    size: int,
    clips_per_class: int,
    streams: int,
    stream_gestures: int,
    valid_fraction: float,
    styles: tuple[str, ...],
    stream_gap: tuple[int, int],
) -> dict[str, object]:
    """The generator parameters recorded in `synth.json`."""
    return {
        "generator": "SynthGesture-RGBD",
        "version": VERSION if styles == ("v1",) else VERSION_2,
        "styles": list(styles),
        "seed": seed,
        "size": size,
        "clips_per_class": clips_per_class,
        "streams": streams,
        "stream_gestures": stream_gestures,
        "stream_gap": list(stream_gap),
        "valid_fraction": valid_fraction,
        "fps": FPS,
        "classes": list(C.CLASS_NAMES),
    }


def write_dataset(
    out: Path,
    clips_per_class: int,
    seed: int,
    size: int = 128,
    streams: int = 0,
    valid_fraction: float = 0.2,
    workers: int | None = None,
    progress: bool = True,
    stream_gestures: int = 8,
    styles: tuple[str, ...] = ("v1",),
    stream_gap: tuple[int, int] = STREAM_GAP_FRAMES,
) -> DatasetSummary:
    """Renders and writes a SynthGesture-RGBD dataset (see the module docstring).

    Clip (label, i) is rendered from a Generator seeded with (seed, 0, label, i), stream k
    from (seed, 1, k): the files do not depend on `workers`.

    Args:
        out: dataset root (created).
        clips_per_class: isolated clips per class (13 classes).
        seed: dataset seed (non-negative).
        size: frame height = width, px.
        streams: number of continuous streams to write.
        valid_fraction: share of each class's clips that goes to valid.txt.
        workers: processes; None for os.cpu_count().
        progress: show tqdm progress bars.
        stream_gestures: gestures per stream.
        styles: `("v1",)` for the version-1 renderer, or v2 styles to draw each clip's
            and stream's style from (`training/synth/styles.py`).
        stream_gap: inclusive range of the `no_gesture` stretches between a stream's
            gestures, frames (at least 12).

    Returns:
        A summary of what was written.
    """
    styles = check_styles(styles)
    if stream_gap[0] < 12 or stream_gap[1] < stream_gap[0]:
        raise ValueError(f"stream gap must be MIN, MAX frames with 12 <= MIN <= MAX, got {stream_gap}")
    started = time.perf_counter()
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    rows, train, valid = _write_clips(root, clips_per_class, seed, size, valid_fraction, workers, progress, styles)
    write = partial(
        _write_stream, root=root, seed=seed, size=size, n_gestures=stream_gestures, styles=styles, gap=stream_gap
    )
    stream_frames = run_parallel(write, list(range(streams)), workers, progress and streams > 0, "streams")
    params = _synth_params(seed, size, clips_per_class, streams, stream_gestures, valid_fraction, styles, stream_gap)
    (root / "synth.json").write_text(json.dumps(params, indent=1) + "\n")
    return DatasetSummary(
        out=root,
        clips=len(rows),
        train=len(train),
        valid=len(valid),
        frames=sum(r[1] for r in rows),
        streams=streams,
        stream_frames=int(sum(stream_frames)),
        seconds=time.perf_counter() - started,
    )
