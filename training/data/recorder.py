"""Reading our recorder's layout (a folder per clip plus a class list; drawn in
service/teach/takes_folder.py, which writes it for `gesture record` and the server).

`split` (`train` or `valid`) is optional: `gesture record` sets it (one take in five of a
label is `valid`); clips without it belong to every split.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from service.teach.takes_folder import CLIPS_DIR, LABELS_FILE, META_FILE  # one layout, the server writes it too

from .clip import LayoutError, MissingFileError, RawClip
from .frame_io import FrameSource
from .official_layouts import DEPTH_PATTERNS, RGB_PATTERNS, frames_or_video
from .readers import SplitFileDataset, check_modalities
from .split_file import SplitEntry


@dataclass(frozen=True)
class RecorderClipInfo:
    """What `meta.json` says about one recorded clip.

    Attributes:
        clip_id: folder name under `root/clips`.
        path: the clip folder.
        label: class id (line index in labels.txt).
        label_name: class name.
        fps: frames per second as recorded.
        frames: number of frames.
        split: `train`, `valid`, or None (every split).
    """

    clip_id: str
    path: Path
    label: int
    label_name: str
    fps: float
    frames: int
    split: str | None = None


def read_labels_txt(path: Path) -> list[str]:
    """Class names, one per non-blank line; id = position.

    Raises:
        MissingFileError: no such file.
        LayoutError: a name appears twice.
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"class list not found: {path}")
    names = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise LayoutError(f"{path}: class {name!r} listed twice")
        seen.add(name)
    return names


def read_clip_meta(clip_dir: Path, class_ids: dict[str, int]) -> RecorderClipInfo:
    """Reads and validates `clip_dir/meta.json`.

    Raises:
        MissingFileError: no meta.json.
        LayoutError: invalid JSON, a missing/ill-typed key, or a label not in labels.txt.
    """
    path = clip_dir / META_FILE
    if not path.is_file():
        raise MissingFileError(f"clip metadata not found: {path}")
    try:
        meta = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise LayoutError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(meta, dict):
        raise LayoutError(f"{path}: expected a JSON object, got {type(meta).__name__}")
    missing = [k for k in ("label", "fps", "frames") if k not in meta]
    if missing:
        raise LayoutError(f"{path}: missing key(s) {missing}")
    label = meta["label"]
    if label not in class_ids:
        raise LayoutError(f"{path}: label {label!r} is not in {LABELS_FILE} ({sorted(class_ids)})")
    frames = meta["frames"]
    if isinstance(frames, bool) or not isinstance(frames, int) or frames < 0:
        raise LayoutError(f"{path}: 'frames' must be a non-negative integer, got {frames!r}")
    try:
        fps = float(meta["fps"])
    except (TypeError, ValueError):
        raise LayoutError(f"{path}: 'fps' must be a number, got {meta['fps']!r}") from None
    split = meta.get("split")
    if split is not None and split not in ("train", "valid"):
        raise LayoutError(f"{path}: 'split' must be train or valid, got {split!r}")
    return RecorderClipInfo(clip_dir.name, clip_dir, class_ids[label], label, fps, frames, split)


def list_recorder_clips(root: Path) -> list[RecorderClipInfo]:
    """Every clip under `root/clips`, sorted by clip id.

    Raises:
        MissingFileError: no `root/clips` folder, no labels.txt, or a clip without meta.json.
        LayoutError: invalid metadata (see `read_clip_meta`).
    """
    root = Path(root)
    clips_dir = root / CLIPS_DIR
    if not clips_dir.is_dir():
        raise MissingFileError(f"clip folder not found: {clips_dir}")
    names = read_labels_txt(root / LABELS_FILE)
    class_ids = {n: i for i, n in enumerate(names)}
    return [read_clip_meta(d, class_ids) for d in sorted(clips_dir.iterdir()) if d.is_dir()]


def _dataset(
    root: Path, clips: list[RecorderClipInfo], modalities: Sequence[str], check_counts: bool
) -> SplitFileDataset:
    mods = check_modalities(modalities)
    clips_dir = Path(root) / CLIPS_DIR

    def rgb(e: SplitEntry) -> FrameSource:
        return frames_or_video(e.name, clips_dir / e.name / "rgb", None, RGB_PATTERNS, True)

    def depth(e: SplitEntry) -> FrameSource:
        return frames_or_video(e.name, clips_dir / e.name / "depth", None, DEPTH_PATTERNS, False)

    return SplitFileDataset(
        [SplitEntry(c.clip_id, c.frames, c.label) for c in clips],
        rgb if "rgb" in mods else None,
        depth if "depth" in mods else None,
        check_counts=check_counts,
        root=Path(root),
    )


def recorder_dataset(
    root: Path,
    split: str | None = None,
    modalities: Sequence[str] = ("rgb", "depth"),
    check_counts: bool = True,
) -> SplitFileDataset:
    """The recorded clips of `split` (`train` or `valid`; anything else: all) as a dataset;
    entry names are clip ids.

    Raises:
        see `list_recorder_clips`.
    """
    wanted = split if split in ("train", "valid") else None
    clips = [c for c in list_recorder_clips(root) if wanted is None or c.split in (None, wanted)]
    return _dataset(root, clips, modalities, check_counts)


def load_recorder_clip(
    root: Path,
    clip_id: str,
    indices: Sequence[int] | None = None,
    modalities: Sequence[str] = ("rgb", "depth"),
) -> RawClip:
    """Loads one recorded clip by id (label id from labels.txt).

    Args:
        root: recorder root.
        clip_id: folder name under `root/clips`.
        indices: frame indices to read; None for all.
        modalities: which of `rgb`, `depth` to load.

    Raises:
        MissingFileError: no such clip, or missing files.
        LayoutError, FrameCountMismatchError, UnreadableFrameError: see `SplitFileDataset.load`.
    """
    root = Path(root)
    clip_dir = root / CLIPS_DIR / clip_id
    if not clip_dir.is_dir():
        raise MissingFileError(f"clip {clip_id!r} not found: {clip_dir}")
    names = read_labels_txt(root / LABELS_FILE)
    info = read_clip_meta(clip_dir, {n: i for i, n in enumerate(names)})
    return _dataset(root, [info], modalities, True).load(0, indices)
