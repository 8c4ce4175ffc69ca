"""`gesture record`: guided recording of labelled RGB-D clips from a RealSense camera (or a
recording), written in the recorder layout the training readers accept
(`training/data/recorder.py`), so `gesture train` works on them directly.

With a camera each take is announced with a countdown and "perform <label> now", then
`seconds` of frames are kept; with a recording the takes are consecutive stretches of the
file (no waiting). Takes 2, 7, 12 ... of a label go to the `valid` split (one in five, and
one as soon as a label has two takes).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from service.sources.realsense import RGBDFrame
from training.data.recorder import CLIPS_DIR, LABELS_FILE, META_FILE, RecorderClipInfo, list_recorder_clips

VALID_EVERY = 5


@dataclass(frozen=True)
class Take:
    clip_id: str
    label: str
    frames: int
    split: str


def merge_labels(root: Path, labels: list[str]) -> list[str]:
    """labels.txt with `labels` appended where missing (existing ids never change)."""
    path = root / LABELS_FILE
    known = [x.strip() for x in path.read_text().splitlines() if x.strip()] if path.is_file() else []
    merged = known + [x for x in labels if x not in known]
    root.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(merged) + "\n")
    return merged


def _next_index(clips_dir: Path, label: str) -> int:
    taken = [int(p.name.rsplit("_", 1)[1]) for p in clips_dir.glob(f"{label}_*") if p.name.rsplit("_", 1)[1].isdigit()]
    return max(taken, default=0) + 1


def write_take(root: Path, label: str, frames: list[RGBDFrame], fps: float) -> Take:
    """Write one clip: rgb JPEGs, depth 16-bit PNGs (mm) and meta.json."""
    clips_dir = root / CLIPS_DIR
    clips_dir.mkdir(parents=True, exist_ok=True)
    index = _next_index(clips_dir, label)
    clip_id = f"{label}_{index:04d}"
    split = "valid" if index % VALID_EVERY == 2 else "train"
    folder = clips_dir / clip_id
    (folder / "rgb").mkdir(parents=True)
    (folder / "depth").mkdir()
    for i, frame in enumerate(frames):
        cv2.imwrite(str(folder / "rgb" / f"{i:06d}.jpg"), cv2.cvtColor(frame.rgb, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(folder / "depth" / f"{i:06d}.png"), frame.depth_mm.astype(np.uint16))
    meta = {"label": label, "fps": fps, "frames": len(frames), "split": split}
    (folder / META_FILE).write_text(json.dumps(meta, indent=1) + "\n")
    return Take(clip_id, label, len(frames), split)


def record_takes(
    frames: Iterator[RGBDFrame],
    root: Path,
    labels: list[str],
    count: int,
    seconds: float,
    fps: float,
    live: bool,
    countdown: int = 3,
    say: Callable[[str], None] = print,
) -> list[Take]:
    """Record `count` takes of every label, in rounds (a, b, c, a, b, c ...).

    Args:
        frames: the source's frames.
        live: a camera (announce takes, wait through a countdown, dropping its frames).
        say: where the prompts go.

    Returns:
        The takes written; fewer if the source ran out (a recording ends).
    """
    merge_labels(root, labels)
    per_take = max(1, round(seconds * fps))
    takes: list[Take] = []
    for round_no in range(count):
        for label in labels:
            if live:
                for n in range(countdown, 0, -1):
                    say(f"take {round_no + 1}/{count}: {label} in {n} ...")
                    deadline = time.monotonic() + 1.0
                    while time.monotonic() < deadline:  # keep the camera's queue drained
                        if next(frames, None) is None:
                            return takes
                say(f"perform {label} now")
            kept: list[RGBDFrame] = []
            for frame in frames:
                kept.append(frame)
                if len(kept) == per_take:
                    break
            if len(kept) < per_take:
                say(f"the source ended during take {round_no + 1} of {label}; it was not kept")
                return takes
            take = write_take(root, label, kept, fps)
            takes.append(take)
            say(f"saved {take.clip_id} ({take.frames} frames, {take.split})")
    return takes


def list_takes(root: Path) -> list[RecorderClipInfo]:
    """The clips recorded under `root`."""
    return list_recorder_clips(root)


def delete_takes(root: Path, clip_ids: list[str]) -> list[str]:
    """Delete clips by id; returns those deleted.

    Raises:
        KeyError: an id that is not a recorded clip (nothing is deleted then).
    """
    clips_dir = root / CLIPS_DIR
    unknown = [c for c in clip_ids if not (clips_dir / c / META_FILE).is_file() or "/" in c or c in ("", ".", "..")]
    if unknown:
        raise KeyError(f"no recorded clip {', '.join(unknown)} under {clips_dir}")
    for clip_id in clip_ids:
        shutil.rmtree(clips_dir / clip_id)
    return clip_ids
