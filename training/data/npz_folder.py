"""A folder of `.npz` clips indexed by `labels.csv` (header `file,label,name`).

Each npz holds `rgb` uint8 [T, H, W, 3] and/or `depth` (uint16 [T, H, W] mm, uint8
[T, H, W] or uint8 [T, H, W, 3]); `label` is the integer class id, `name` the class name.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .clip import FrameCountMismatchError, LayoutError, MissingFileError, RawClip, UnreadableFrameError
from .readers import ClipReader, check_indices, check_modalities
from .split_file import SplitEntry

INDEX_FILE = "labels.csv"
INDEX_COLUMNS = ("file", "label", "name")


def read_labels_csv(path: Path) -> list[tuple[str, int, str]]:
    """Rows (file, label id, class name) of a `labels.csv`.

    Raises:
        MissingFileError: no such file.
        LayoutError: a wrong header, a short row or a non-integer label (file and line named).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"clip index not found: {path}")
    rows: list[tuple[str, int, str]] = []
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header[:3]) != INDEX_COLUMNS:
            raise LayoutError(f"{path}:1: header must start with {','.join(INDEX_COLUMNS)}, got {header}")
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            where = f"{path}:{reader.line_num}"
            if len(row) < 3:
                raise LayoutError(f"{where}: expected file,label,name, got {row}")
            try:
                label = int(row[1])
            except ValueError:
                raise LayoutError(f"{where}: label must be an integer class id, got {row[1]!r}") from None
            if label < 0:
                raise LayoutError(f"{where}: label must be >= 0, got {label}")
            rows.append((row[0].strip(), label, row[2].strip()))
    return rows


def npz_array_shape(path: Path, key: str) -> tuple[int, ...] | None:
    """Shape of array `key` in an npz file, read from its header only; None if absent.

    Raises:
        UnreadableFrameError: not a readable npz file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            member = f"{key}.npy"
            if member not in archive.namelist():
                return None
            with archive.open(member) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, _ = np.lib.format.read_array_header_1_0(f)
                else:
                    shape, _, _ = np.lib.format.read_array_header_2_0(f)
                return tuple(shape)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise UnreadableFrameError(f"cannot read npz clip {path}: {exc}") from None


class NpzFolderDataset(ClipReader):
    """Clips stored one per `.npz` file, listed in `root/labels.csv`.

    Args:
        root: the folder.
        modalities: which of `rgb`, `depth` to load.
        check_counts: require equal colour and depth frame counts.

    Raises:
        MissingFileError: no labels.csv, or a listed file is missing.
        LayoutError: malformed labels.csv, or a file with neither `rgb` nor `depth`.
        UnreadableFrameError: a listed file is not a readable npz.
    """

    def __init__(self, root: Path, modalities: Sequence[str] = ("rgb", "depth"), check_counts: bool = True):
        self.root = Path(root)
        self.modalities = check_modalities(modalities)
        self.check_counts = check_counts
        self.class_names: dict[int, str] = {}
        self.entries = []
        for file, label, name in read_labels_csv(self.root / INDEX_FILE):
            self.class_names.setdefault(label, name)
            self.entries.append(SplitEntry(file, self._frames(file), label))

    def __repr__(self) -> str:
        return f"NpzFolderDataset(root={self.root}, clips={len(self)}, modalities={list(self.modalities)})"

    def path(self, file: str) -> Path:
        """Full path of a listed file."""
        return self.root / file

    def _frames(self, file: str) -> int:
        path = self.path(file)
        if not path.is_file():
            raise MissingFileError(f"npz clip listed in {self.root / INDEX_FILE} not found: {path}")
        for key in ("rgb", "depth"):
            shape = npz_array_shape(path, key)
            if shape:
                return int(shape[0])
        raise LayoutError(f"{path}: holds neither an 'rgb' nor a 'depth' array")

    def load(self, i: int, indices: Sequence[int] | None = None) -> RawClip:
        """Reads clip `i` (whole arrays are decompressed, then `indices` selected).

        Raises:
            IndexError: i or a frame index out of range.
            MissingFileError: the file or a requested array is missing.
            FrameCountMismatchError: `rgb` and `depth` differ in length.
            UnreadableFrameError: the file cannot be decoded.
            LayoutError: an array has the wrong dtype or shape.
        """
        e = self.entry(i)
        path = self.path(e.name)
        if not path.is_file():
            raise MissingFileError(f"npz clip not found: {path}")
        arrays: dict[str, np.ndarray] = {}
        try:
            with np.load(path, allow_pickle=False) as z:
                stored = list(z.files)
                for key in self.modalities:
                    if key in stored:
                        arrays[key] = z[key]
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise UnreadableFrameError(f"cannot read npz clip {path}: {exc}") from None
        for key in self.modalities:
            if key not in arrays:
                raise MissingFileError(f"{path}: no {key!r} array (it holds {stored})")
        rgb, depth = arrays.get("rgb"), arrays.get("depth")
        if rgb is not None and depth is not None and self.check_counts and len(rgb) != len(depth):
            raise FrameCountMismatchError(f"{path}: {len(rgb)} rgb frames but {len(depth)} depth frames")
        if indices is not None:
            wanted = check_indices(indices, e.name)
            for key, arr in arrays.items():
                if max(wanted) >= len(arr):
                    raise IndexError(f"{path}: frame {max(wanted)} requested, {key!r} has {len(arr)} frames")
                arrays[key] = arr[wanted]
        return RawClip(rgb=arrays.get("rgb"), depth=arrays.get("depth"), label=e.label, name=e.name)
