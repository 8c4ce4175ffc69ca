"""Clip datasets as plain indexable readers (numpy, no torch): an index of clips plus
per-modality frame sources, loading only the frames asked for."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path

from .clip import FrameCountMismatchError, RawClip, UnreadableFrameError
from .frame_io import FrameSource
from .split_file import SplitEntry

MODALITIES = ("rgb", "depth")

SourceResolver = Callable[[SplitEntry], FrameSource]
"""Finds the frames of one modality of a clip; raises MissingFileError when there are none."""


def check_modalities(modalities: Sequence[str]) -> tuple[str, ...]:
    """Validates a modality selection (a non-empty subset of `rgb`, `depth`).

    Raises:
        ValueError: an unknown or empty selection.
    """
    mods = tuple(modalities)
    if not mods or any(m not in MODALITIES for m in mods):
        raise ValueError(f"modalities must be a non-empty subset of {MODALITIES}, got {mods}")
    return mods


def check_indices(indices: Sequence[int], name: str) -> list[int]:
    """Frame indices as a list of non-negative ints.

    Raises:
        ValueError: empty, negative or non-integer indices.
    """
    out = [int(i) for i in indices]
    if not out:
        raise ValueError(f"clip {name!r}: no frame indices requested")
    if any(i != j or i < 0 for i, j in zip(out, indices, strict=True)):
        raise ValueError(f"clip {name!r}: frame indices must be non-negative integers, got {list(indices)}")
    return out


class ClipReader(ABC):
    """An indexable set of RGB-D clips: the base of every dataset reader (the torch
    Dataset that wraps one for training is `training.clip_dataset.ClipDataset`).

    Attributes:
        entries: (name, frames, label) per clip, in index order.
    """

    entries: list[SplitEntry]

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def labels(self) -> list[int]:
        """Class id of every clip."""
        return [e.label for e in self.entries]

    def entry(self, i: int) -> SplitEntry:
        """Entry `i`.

        Raises:
            IndexError: i outside [-len, len).
        """
        if not -len(self.entries) <= i < len(self.entries):
            raise IndexError(f"clip index {i} out of range for a dataset of {len(self.entries)} clips")
        return self.entries[i]

    @abstractmethod
    def load(self, i: int, indices: Sequence[int] | None = None) -> RawClip:
        """Clip `i` with only the frames at `indices` (all frames when None)."""


class SplitFileDataset(ClipReader):
    """Clips listed in an index (an official split file or any list of entries) whose
    frames are found by one resolver per modality.

    Args:
        entries: (name, frames, label) per clip.
        rgb: resolver of the colour frames, or None to not load colour.
        depth: resolver of the depth frames, or None to not load depth.
        check_counts: when both modalities are loaded, require equal frame counts (reading
            every frame, `indices=None`, requires them regardless).
        root: the dataset root (for messages).
    """

    def __init__(
        self,
        entries: Sequence[SplitEntry],
        rgb: SourceResolver | None,
        depth: SourceResolver | None,
        check_counts: bool = True,
        root: Path | None = None,
    ) -> None:
        if rgb is None and depth is None:
            raise ValueError("a dataset needs at least one of rgb / depth")
        self.entries = list(entries)
        self.rgb = rgb
        self.depth = depth
        self.check_counts = check_counts
        self.root = root

    def __repr__(self) -> str:
        mods = [m for m, r in (("rgb", self.rgb), ("depth", self.depth)) if r is not None]
        return f"{type(self).__name__}(root={self.root}, clips={len(self)}, modalities={mods})"

    def sources(self, i: int) -> tuple[FrameSource | None, FrameSource | None]:
        """(rgb source, depth source) of clip `i`; None for a modality not loaded.

        Raises:
            MissingFileError: the frames of a loaded modality cannot be found.
        """
        e = self.entry(i)
        return (
            self.rgb(e) if self.rgb is not None else None,
            self.depth(e) if self.depth is not None else None,
        )

    def load(self, i: int, indices: Sequence[int] | None = None) -> RawClip:
        """Reads clip `i`.

        Args:
            i: clip index.
            indices: 0-based frame indices to read (any order, repeats allowed); None reads
                every frame found on disk.

        Returns:
            A RawClip with T = len(indices) (or the clip's frame count).

        Raises:
            IndexError: i out of range.
            MissingFileError: a frame folder, frame file or video is missing.
            FrameCountMismatchError: colour and depth hold different numbers of frames.
            UnreadableFrameError: a frame cannot be decoded.
        """
        e = self.entry(i)
        rgb_src, depth_src = self.sources(i)
        present = [s for s in (rgb_src, depth_src) if s is not None]
        if rgb_src is not None and depth_src is not None and (self.check_counts or indices is None):
            n_rgb, n_depth = rgb_src.count(), depth_src.count()
            if n_rgb != n_depth:
                raise FrameCountMismatchError(
                    f"clip {e.name!r}: {n_rgb} rgb frames in {rgb_src.path} but "
                    f"{n_depth} depth frames in {depth_src.path}"
                )
        if indices is None:
            n = present[0].count()
            if n == 0:
                raise UnreadableFrameError(f"clip {e.name!r}: no decodable frames in {present[0].path}")
            wanted = list(range(n))
        else:
            wanted = check_indices(indices, e.name)
        rgb = rgb_src.read(wanted) if rgb_src is not None else None
        depth = depth_src.read(wanted) if depth_src is not None else None
        return RawClip(rgb=rgb, depth=depth, label=e.label, name=e.name)
