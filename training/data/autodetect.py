"""`open_dataset`: one entry point for every supported layout, with layout detection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .clip import LayoutError, MissingFileError
from .npz_folder import INDEX_FILE, NpzFolderDataset
from .official_layouts import isogd_dataset, ntu_dataset, nvgesture_dataset, thuread_dataset
from .readers import ClipReader
from .recorder import CLIPS_DIR, LABELS_FILE, recorder_dataset

# Layouts that take a `split` argument.
_SPLIT_LAYOUTS: dict[str, Callable[..., ClipReader]] = {
    "nvgesture": nvgesture_dataset,
    "synth": nvgesture_dataset,
    "isogd": isogd_dataset,
    "thuread": thuread_dataset,
    "ntu": ntu_dataset,
    "recorder": recorder_dataset,  # clips without a split in meta.json belong to both
}
# Layouts without splits (every clip is returned).
_PLAIN_LAYOUTS: dict[str, Callable[..., ClipReader]] = {
    "npz": NpzFolderDataset,
}
LAYOUTS = tuple(_SPLIT_LAYOUTS) + tuple(_PLAIN_LAYOUTS)


def detect_layout(root: Path) -> str:
    """Guesses the layout of a dataset folder.

    `dataset_splits/` -> `nvgesture` (IsoGD, THU-READ and NTU share that folder and must
    be named explicitly); `labels.csv` -> `npz`; `clips/` with `labels.txt` -> `recorder`.

    Raises:
        MissingFileError: `root` is not a folder.
        LayoutError: nothing recognisable; the message lists the known layouts.
    """
    root = Path(root)
    if not root.is_dir():
        raise MissingFileError(f"dataset folder not found: {root}")
    if (root / "dataset_splits").is_dir():
        return "nvgesture"
    if (root / INDEX_FILE).is_file():
        return "npz"
    if (root / CLIPS_DIR).is_dir() and (root / LABELS_FILE).is_file():
        return "recorder"
    raise LayoutError(
        f"cannot tell the layout of {root}: expected dataset_splits/ (nvgesture-style), "
        f"{INDEX_FILE} (npz) or {CLIPS_DIR}/ + {LABELS_FILE} (recorder); "
        f"name one of the known layouts: {', '.join(LAYOUTS)}"
    )


def open_dataset(root: Path, layout: str | None = None, split: str = "train", **options: Any) -> ClipReader:
    """Opens a dataset folder in any supported layout.

    Args:
        root: dataset root.
        layout: one of `LAYOUTS`; None to detect it (see `detect_layout`).
        split: `train` / `valid` for split-file layouts and `recorder`; ignored by `npz`.
        **options: passed to the layout's reader, e.g. `modalities=("rgb",)`,
            `check_counts=False`, `depth_root=...` (ntu), `split_file=...`.

    Returns:
        A reader with `entries`, `__len__` and `load(i, indices)`.

    Raises:
        LayoutError: unknown or undetectable layout.
        MissingFileError, LayoutError: from the layout's reader (missing or malformed index).
    """
    root = Path(root)
    name = detect_layout(root) if layout is None else layout.lower().replace("-", "").replace("_", "")
    if name in _SPLIT_LAYOUTS:
        return _SPLIT_LAYOUTS[name](root, split=split, **options)
    if name in _PLAIN_LAYOUTS:
        return _PLAIN_LAYOUTS[name](root, **options)
    raise LayoutError(f"unknown dataset layout {layout!r}; known layouts: {', '.join(LAYOUTS)}")
