"""Readers for the official split-file layouts: NvGesture (and SynthGesture-RGBD), IsoGD,
THU-READ and NTU RGB+D.

Frame folders hold `%06d.jpg` (colour) files numbered from 0 or from 1 (whichever exists);
clip frame index i is the i-th file. Split files hold `name frames label` lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .clip import LayoutError, MissingFileError
from .frame_io import FrameSource, ImageFolderSource, VideoSource, locate_image_folder
from .readers import SourceResolver, SplitFileDataset, check_modalities
from .split_file import SplitEntry, read_split_file

RGB_PATTERNS = ("%06d.jpg",)
DEPTH_PATTERNS = ("%06d.png", "%06d.jpg")
NTU_DEPTH_PATTERN = "MDepth-%08d.png"
VIDEO_SUFFIXES = (".avi", ".mp4")
_RGB_WORD = re.compile(r"(?<![A-Za-z])rgb(?![A-Za-z])")


def default_split_file(root: Path, split: str) -> Path:
    """`root/dataset_splits/<split>.txt`."""
    return Path(root) / "dataset_splits" / f"{split}.txt"


def frames_or_video(name: str, folder: Path, video: Path | None, patterns: Sequence[str], colour: bool) -> FrameSource:
    """An image folder when it holds frames, else a video file when it exists.

    Raises:
        MissingFileError: neither exists; the message names both paths tried.
    """
    found = locate_image_folder(folder, patterns, colour)
    if found is not None:
        return found
    if video is not None and video.is_file():
        return VideoSource(video, colour)
    kind = "colour" if colour else "depth"
    first = " or ".join(str(folder / (p % 0)) for p in patterns)
    tried = f"{first} (or numbered from 1)" + (f", nor video {video}" if video is not None else "")
    raise MissingFileError(f"clip {name!r}: no {kind} frames found: neither {tried}")


def _build(
    root: Path,
    entries: list[SplitEntry],
    rgb: SourceResolver,
    depth: SourceResolver,
    modalities: Sequence[str],
    check_counts: bool,
) -> SplitFileDataset:
    mods = check_modalities(modalities)
    return SplitFileDataset(
        entries,
        rgb if "rgb" in mods else None,
        depth if "depth" in mods else None,
        check_counts=check_counts,
        root=root,
    )


def nvgesture_dataset(
    root: Path,
    split: str = "train",
    split_file: Path | None = None,
    modalities: Sequence[str] = ("rgb", "depth"),
    check_counts: bool = True,
) -> SplitFileDataset:
    """NvGesture layout, also written by our SynthGesture-RGBD generator.

    Colour: `root/rgb/<name>/%06d.jpg`, else the video `root/<name>/sk_color.avi`.
    Depth: `root/depth/<name>/%06d.png` (16-bit mm or 8-bit) or `%06d.jpg` (8-bit), else
    the video `root/<name>/sk_depth.avi` (8-bit grey).

    Args:
        root: dataset root.
        split: `train` or `valid`: reads `root/dataset_splits/<split>.txt`.
        split_file: a split file to use instead.
        modalities: which of `rgb`, `depth` to load.
        check_counts: require equal colour and depth frame counts.

    Raises:
        MissingFileError: the split file is missing.
        LayoutError: a malformed split line.
    """
    root = Path(root)
    entries = read_split_file(split_file or default_split_file(root, split))

    def rgb(e: SplitEntry) -> FrameSource:
        return frames_or_video(e.name, root / "rgb" / e.name, root / e.name / "sk_color.avi", RGB_PATTERNS, True)

    def depth(e: SplitEntry) -> FrameSource:
        return frames_or_video(e.name, root / "depth" / e.name, root / e.name / "sk_depth.avi", DEPTH_PATTERNS, False)

    return _build(root, entries, rgb, depth, modalities, check_counts)


synth_dataset = nvgesture_dataset
"""SynthGesture-RGBD uses the NvGesture layout (see `training/synth/README.md`)."""


def isogd_depth_name(name: str) -> str:
    """IsoGD depth clip of a colour clip: `train/001/M_00001` -> `train/001/K_00001`.

    Raises:
        LayoutError: the last path component does not start with `M_`.
    """
    head, _, last = name.rpartition("/")
    if not last.startswith("M_"):
        raise LayoutError(f"IsoGD colour clip names end in 'M_<id>', got {name!r}")
    return f"{head}/K_{last[2:]}" if head else f"K_{last[2:]}"


def _isogd_source(root: Path, name: str, colour: bool) -> FrameSource:
    """`root/<name>/%06d.jpg` or the video `root/<name>.avi`; a name may carry its suffix."""
    for suffix in VIDEO_SUFFIXES:
        if name.endswith(suffix):
            return frames_or_video(name, root / name[: -len(suffix)], root / name, RGB_PATTERNS, colour)
    return frames_or_video(name, root / name, root / f"{name}.avi", RGB_PATTERNS, colour)


def isogd_dataset(
    root: Path,
    split: str = "train",
    split_file: Path | None = None,
    modalities: Sequence[str] = ("rgb", "depth"),
    check_counts: bool = True,
) -> SplitFileDataset:
    """ChaLearn IsoGD layout.

    Split names are colour clips like `train/001/M_00001`; the depth clip is the same path
    with `M_` replaced by `K_`. Frames: `root/<name>/%06d.jpg`, or the video
    `root/<name>.avi` (depth video read as 8-bit grey).

    Args: as `nvgesture_dataset`.

    Raises:
        MissingFileError: the split file is missing.
        LayoutError: a malformed split line.
    """
    root = Path(root)
    entries = read_split_file(split_file or default_split_file(root, split))

    def rgb(e: SplitEntry) -> FrameSource:
        return _isogd_source(root, e.name, True)

    def depth(e: SplitEntry) -> FrameSource:
        return _isogd_source(root, isogd_depth_name(e.name), False)

    return _build(root, entries, rgb, depth, modalities, check_counts)


def thuread_depth_split_file(root: Path, split: str) -> Path:
    """`root/dataset_splits/depth_<split>_lst.txt`, or `root/depth_<split>_lst.txt` if only that exists."""
    inside = Path(root) / "dataset_splits" / f"depth_{split}_lst.txt"
    beside = Path(root) / f"depth_{split}_lst.txt"
    return beside if not inside.is_file() and beside.is_file() else inside


def thuread_dataset(
    root: Path,
    split: str = "train",
    split_file: Path | None = None,
    depth_split_file: Path | None = None,
    modalities: Sequence[str] = ("rgb", "depth"),
    check_counts: bool = True,
) -> SplitFileDataset:
    """THU-READ layout: separate split lists for colour and depth, paired line by line.

    Colour list `root/dataset_splits/<split>.txt`, depth list
    `root/dataset_splits/depth_<split>_lst.txt`; frames `root/<name>/%06d.jpg` for both.

    Args:
        root: dataset root.
        split: `train` or `valid`.
        split_file: colour list to use instead of the default.
        depth_split_file: depth list to use instead of the default.
        modalities: which of `rgb`, `depth` to load.
        check_counts: require equal colour and depth frame counts.

    Raises:
        MissingFileError: a split list is missing.
        LayoutError: a malformed line, or lists that differ in length or labels.
    """
    root = Path(root)
    mods = check_modalities(modalities)
    rgb_file = split_file or default_split_file(root, split)
    entries = read_split_file(rgb_file)
    depth_of: dict[str, str] = {}
    if "depth" in mods:
        depth_file = depth_split_file or thuread_depth_split_file(root, split)
        depth_entries = read_split_file(depth_file)
        if len(depth_entries) != len(entries):
            raise LayoutError(f"{depth_file} lists {len(depth_entries)} clips but {rgb_file} lists {len(entries)}")
        for k, (c, d) in enumerate(zip(entries, depth_entries, strict=True)):
            if c.label != d.label:
                raise LayoutError(
                    f"clip {k}: label {c.label} for {c.name!r} in {rgb_file} but "
                    f"{d.label} for {d.name!r} in {depth_file}"
                )
            depth_of[c.name] = d.name

    def rgb(e: SplitEntry) -> FrameSource:
        return frames_or_video(e.name, root / e.name, None, RGB_PATTERNS, True)

    def depth(e: SplitEntry) -> FrameSource:
        name = depth_of[e.name]
        return frames_or_video(name, root / name, None, RGB_PATTERNS, False)

    return _build(root, entries, rgb, depth, mods, check_counts)


def ntu_depth_folder(root: Path, name: str, depth_root: Path | None) -> Path:
    """Depth folder of an NTU colour clip.

    With `depth_root`: `depth_root/<sample>`, where sample is the name's last component
    without a trailing `_rgb` (NTU's masked-depth folders are named by the bare sample id).
    Without: `root/<name>` with every `rgb` that is not part of a longer word (not next
    to a letter) replaced by `depth`: `nturgb+d_rgb/S001C001P001R001A001_rgb` ->
    `nturgb+d_depth/S001C001P001R001A001_depth`.

    Raises:
        LayoutError: no depth_root and the name contains no such `rgb`.
    """
    if depth_root is not None:
        sample = name.rstrip("/").rpartition("/")[2]
        return Path(depth_root) / sample.removesuffix("_rgb")
    depth_name, n = _RGB_WORD.subn("depth", name)
    if n == 0:
        raise LayoutError(f"NTU clip {name!r}: cannot derive its depth folder (no 'rgb' in the name); pass depth_root")
    return Path(root) / depth_name


def ntu_dataset(
    root: Path,
    split: str = "train",
    split_file: Path | None = None,
    depth_root: Path | None = None,
    modalities: Sequence[str] = ("rgb", "depth"),
    check_counts: bool = True,
) -> SplitFileDataset:
    """NTU RGB+D layout.

    Colour: `root/<name>/%06d.jpg`. Depth: 16-bit PNGs `MDepth-%08d.png` numbered from 1
    in the folder given by `ntu_depth_folder`. Depth is returned as stored (uint16); the
    caller applies the NTU crop + JET encoding (`depth_encoding.ntu_encode_clip`).

    Args:
        root: dataset root.
        split: `train` or `valid`.
        split_file: a split file to use instead of `root/dataset_splits/<split>.txt`.
        depth_root: folder holding the per-sample depth folders.
        modalities: which of `rgb`, `depth` to load.
        check_counts: require equal colour and depth frame counts.

    Raises:
        MissingFileError: the split file is missing.
        LayoutError: a malformed split line.
    """
    root = Path(root)
    entries = read_split_file(split_file or default_split_file(root, split))

    def rgb(e: SplitEntry) -> FrameSource:
        return frames_or_video(e.name, root / e.name, None, RGB_PATTERNS, True)

    def depth(e: SplitEntry) -> FrameSource:
        folder = ntu_depth_folder(root, e.name, depth_root)
        first = folder / (NTU_DEPTH_PATTERN % 1)
        if not first.is_file():
            raise MissingFileError(f"clip {e.name!r}: no depth frames found: {first} does not exist")
        return ImageFolderSource(folder, NTU_DEPTH_PATTERN, 1, colour=False)

    return _build(root, entries, rgb, depth, modalities, check_counts)
