"""Frame sources: a folder of numbered image files or a video, read at chosen indices."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from .clip import MissingFileError, UnreadableFrameError

# Index numbering tried when locating a frame folder: 0-based first, then 1-based.
_STARTS = (0, 1)


class FrameSource(Protocol):
    """Frames of one modality of one clip."""

    path: Path

    def count(self) -> int:
        """Number of frames available."""
        ...

    def read(self, indices: Sequence[int]) -> np.ndarray:
        """Frames at 0-based `indices` (any order, repeats allowed), stacked on axis 0."""
        ...


def _as_frame(image: np.ndarray, colour: bool) -> np.ndarray:
    """Decoded OpenCV image -> colour uint8 [H, W, 3] RGB, or depth [H, W] (channel 0)."""
    if colour:
        if image.ndim == 2:
            return np.repeat(image[..., None], 3, axis=-1)
        return np.ascontiguousarray(image[..., 2::-1])
    return image if image.ndim == 2 else np.ascontiguousarray(image[..., 0])


def _stack(frames: list[np.ndarray], source: Path) -> np.ndarray:
    shape = frames[0].shape
    for f in frames:
        if f.shape != shape:
            raise UnreadableFrameError(f"{source}: frames differ in size ({list(shape)} vs {list(f.shape)})")
    return np.stack(frames)


def read_image(path: Path, colour: bool) -> np.ndarray:
    """Reads one image file.

    Args:
        path: image file.
        colour: True -> uint8 [H, W, 3] RGB; False (depth) -> [H, W] at the file's bit depth
            (uint16 for 16-bit PNGs, uint8 otherwise), channel 0 of multi-channel files.

    Raises:
        MissingFileError: no such file.
        UnreadableFrameError: OpenCV cannot decode it.
    """
    if not path.is_file():
        raise MissingFileError(f"frame file not found: {path}")
    flags = cv2.IMREAD_COLOR if colour else cv2.IMREAD_UNCHANGED
    image = cv2.imread(str(path), flags)
    if image is None:
        raise UnreadableFrameError(f"cannot decode frame file: {path}")
    if not colour and image.dtype not in (np.uint8, np.uint16):
        raise UnreadableFrameError(f"{path}: depth frame has unsupported dtype {image.dtype}")
    return _as_frame(image, colour)


class ImageFolderSource:
    """Numbered image files in one folder, e.g. `%06d.jpg` or `MDepth-%08d.png`.

    Attributes:
        path: the folder.
        pattern: printf-style file name with one integer field.
        start: number of the first frame's file (clip index i is file number start + i).
        colour: decode as RGB (True) or as depth (False).
    """

    def __init__(self, path: Path, pattern: str, start: int, colour: bool) -> None:
        self.path = Path(path)
        self.pattern = pattern
        self.start = start
        self.colour = colour
        prefix, _, rest = pattern.partition("%")
        suffix = re.sub(r"^0?\d*d", "", rest)
        self._name_re = re.compile(re.escape(prefix) + r"\d+" + re.escape(suffix) + "$")

    def file(self, index: int) -> Path:
        """File of 0-based frame `index`."""
        return self.path / (self.pattern % (self.start + index))

    def count(self) -> int:
        """Number of files in the folder whose names match the pattern."""
        return sum(1 for p in self.path.iterdir() if self._name_re.match(p.name))

    def read(self, indices: Sequence[int]) -> np.ndarray:
        """Frames at `indices` -> uint8 [T, H, W, 3] RGB, or depth [T, H, W].

        Raises:
            MissingFileError: a requested frame file does not exist.
            UnreadableFrameError: a frame cannot be decoded, or sizes differ.
        """
        cache: dict[int, np.ndarray] = {}
        for i in indices:
            if i not in cache:
                cache[i] = read_image(self.file(i), self.colour)
        return _stack([cache[i] for i in indices], self.path)


def locate_image_folder(folder: Path, patterns: Sequence[str], colour: bool) -> ImageFolderSource | None:
    """The frame folder at `folder` if it holds a first frame for one of `patterns`.

    Each pattern is tried with the first frame numbered 0, then 1.

    Returns:
        A source, or None when the folder or its first frame does not exist.
    """
    if not folder.is_dir():
        return None
    for pattern in patterns:
        for start in _STARTS:
            if (folder / (pattern % start)).is_file():
                return ImageFolderSource(folder, pattern, start, colour)
    return None


class VideoSource:
    """A video file decoded with OpenCV.

    Attributes:
        path: the video file.
        colour: True -> RGB uint8 [H, W, 3] frames; False -> depth as 8-bit grey, channel 0.
    """

    def __init__(self, path: Path, colour: bool) -> None:
        self.path = Path(path)
        self.colour = colour
        self._count: int | None = None

    def _open(self) -> cv2.VideoCapture:
        if not self.path.is_file():
            raise MissingFileError(f"video not found: {self.path}")
        cap = cv2.VideoCapture(str(self.path))
        if not cap.isOpened():
            cap.release()
            raise UnreadableFrameError(f"cannot open video: {self.path}")
        return cap

    def count(self) -> int:
        """Frame count from the container, or by decoding when the container does not say."""
        if self._count is None:
            cap = self._open()
            try:
                n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
                if n <= 0:
                    n = 0
                    while cap.grab():
                        n += 1
            finally:
                cap.release()
            self._count = n
        return self._count

    def read(self, indices: Sequence[int]) -> np.ndarray:
        """Decodes frames 0 .. max(indices) in order and keeps the requested ones.

        Raises:
            MissingFileError: the video does not exist.
            UnreadableFrameError: it cannot be opened, or ends before a requested frame.
        """
        if not indices:
            raise ValueError(f"{self.path}: no frame indices requested")
        wanted = set(indices)
        last = max(wanted)
        kept: dict[int, np.ndarray] = {}
        cap = self._open()
        try:
            for i in range(last + 1):
                if i in wanted:
                    ok, frame = cap.read()
                    ok = ok and frame is not None
                    if ok:
                        kept[i] = _as_frame(frame, self.colour)
                else:
                    ok = cap.grab()
                if not ok:
                    raise UnreadableFrameError(
                        f"{self.path}: cannot decode frame {i} (video ended or is corrupt; frame {last} requested)"
                    )
        finally:
            cap.release()
        return _stack([kept[i] for i in indices], self.path)
