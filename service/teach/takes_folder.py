"""Takes on disk, in the recorder layout that `gesture record` writes and every training
reader (and so `gesture adapt`) takes:

```
root/labels.txt                      one class name per line; id = line index
root/clips/<clip_id>/meta.json       {"label": <class name>, "fps": ..., "frames": n, "split": "train"}
root/clips/<clip_id>/rgb/%06d.jpg    colour frames
root/clips/<clip_id>/depth/%06d.png  depth frames, 16-bit millimetres
```

Takes 2, 7, 12 ... of a label go to the `valid` split (one in five, and one as soon as a
label has two takes). The readers live in training/data/recorder.py; this side only writes,
lists and deletes (the server must not import training code).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

CLIPS_DIR = "clips"
LABELS_FILE = "labels.txt"
META_FILE = "meta.json"
VALID_EVERY = 5
LABEL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")  # also a safe folder-name prefix


@dataclass(frozen=True)
class Take:
    """One recorded take: its folder name, gesture, frame count, split and frame rate."""

    clip_id: str
    label: str
    frames: int
    split: str
    fps: float = 30.0

    def to_json(self) -> dict:
        return asdict(self)


def read_label_names(root: Path) -> list[str]:
    """The names in `root/labels.txt` (none when there is no such file)."""
    path = Path(root) / LABELS_FILE
    return [x.strip() for x in path.read_text().splitlines() if x.strip()] if path.is_file() else []


def merge_labels(root: Path, labels: Sequence[str]) -> list[str]:
    """labels.txt with `labels` appended where missing (existing ids never change)."""
    known = read_label_names(root)
    merged = known + [x for x in labels if x not in known]
    Path(root).mkdir(parents=True, exist_ok=True)
    (Path(root) / LABELS_FILE).write_text("\n".join(merged) + "\n")
    return merged


def _next_index(clips_dir: Path, label: str) -> int:
    taken = [int(p.name.rsplit("_", 1)[1]) for p in clips_dir.glob(f"{label}_*") if p.name.rsplit("_", 1)[1].isdigit()]
    return max(taken, default=0) + 1


def write_take(root: Path, label: str, frames: Sequence[tuple[np.ndarray, np.ndarray]], fps: float) -> Take:
    """Write one take from (rgb uint8 [H, W, 3], depth uint16 mm [H, W]) frames: rgb JPEGs,
    depth 16-bit PNGs and meta.json; the label joins labels.txt if it is new."""
    merge_labels(root, [label])
    clips_dir = Path(root) / CLIPS_DIR
    clips_dir.mkdir(parents=True, exist_ok=True)
    index = _next_index(clips_dir, label)
    clip_id = f"{label}_{index:04d}"
    split = "valid" if index % VALID_EVERY == 2 else "train"
    folder = clips_dir / clip_id
    (folder / "rgb").mkdir(parents=True)
    (folder / "depth").mkdir()
    for i, (rgb, depth_mm) in enumerate(frames):
        cv2.imwrite(str(folder / "rgb" / f"{i:06d}.jpg"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(folder / "depth" / f"{i:06d}.png"), depth_mm.astype(np.uint16))
    meta = {"label": label, "fps": fps, "frames": len(frames), "split": split}
    (folder / META_FILE).write_text(json.dumps(meta, indent=1) + "\n")
    return Take(clip_id, label, len(frames), split, fps)


def list_takes(root: Path) -> list[Take]:
    """The takes under `root`, by clip id; folders without readable metadata are left out."""
    clips_dir = Path(root) / CLIPS_DIR
    takes = []
    for folder in sorted(clips_dir.iterdir()) if clips_dir.is_dir() else []:
        try:
            meta = json.loads((folder / META_FILE).read_text())
            takes.append(
                Take(folder.name, str(meta["label"]), int(meta["frames"]), str(meta.get("split")), float(meta["fps"]))
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return takes


def take_folder(root: Path, clip_id: str) -> Path:
    """The folder of take `clip_id`.

    Raises:
        KeyError: no such take (or a name that is not a take's).
    """
    folder = Path(root) / CLIPS_DIR / clip_id
    if "/" in clip_id or "\\" in clip_id or clip_id in ("", ".", "..") or not (folder / META_FILE).is_file():
        raise KeyError(f"no take {clip_id!r} under {Path(root) / CLIPS_DIR}")
    return folder


def delete_takes(root: Path, clip_ids: Sequence[str]) -> list[str]:
    """Delete takes by id; returns those deleted.

    Raises:
        KeyError: an id that is not a take (nothing is deleted then).
    """
    folders = [take_folder(root, c) for c in clip_ids]
    for folder in folders:
        shutil.rmtree(folder)
    return list(clip_ids)


def contact_sheet(root: Path, clip_id: str, count: int = 4, height: int = 96) -> bytes:
    """A JPEG strip of `count` colour frames spread over take `clip_id`, for review.

    Raises:
        KeyError: no such take.
    """
    frames = sorted((take_folder(root, clip_id) / "rgb").glob("*.jpg"))
    picks = [frames[round(i * (len(frames) - 1) / max(1, count - 1))] for i in range(count)] if frames else []
    tiles = []
    for path in picks:
        image = cv2.imread(str(path))
        if image is not None:
            tiles.append(cv2.resize(image, (max(1, round(image.shape[1] * height / image.shape[0])), height)))
    strip = np.concatenate(tiles, axis=1) if tiles else np.zeros((height, height, 3), np.uint8)
    ok, buf = cv2.imencode(".jpg", strip, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return buf.tobytes() if ok else b""
