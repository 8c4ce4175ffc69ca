"""A decoded RGB-D clip and the typed errors that dataset readers raise."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from service.sources.clip_arrays import ClipArrayError, FrameCountError, check_clip_arrays


class DatasetError(ValueError):
    """Base class of every error raised while reading a dataset."""


class MissingFileError(DatasetError):
    """A split file, frame file, frame folder or video does not exist."""


class FrameCountMismatchError(DatasetError):
    """The colour and depth streams of one clip hold different numbers of frames."""


class UnreadableFrameError(DatasetError):
    """A frame (image, video frame or array file) exists but cannot be decoded."""


class LayoutError(DatasetError):
    """A dataset folder or index file does not follow the expected layout."""


@dataclass
class RawClip:
    """One clip as stored, before encoding and augmentation.

    Attributes:
        rgb: uint8 [T, H, W, 3] in RGB order, or None when colour was not loaded.
        depth: uint16 [T, H, W] millimetres (0 = no measurement), uint8 [T, H, W] already
            8-bit, or uint8 [T, H, W, 3] already colour-encoded; None when not loaded.
            Its H, W may differ from those of `rgb` (e.g. NTU RGB+D).
        label: class id.
        name: clip name as written in the dataset's index.

    Raises:
        LayoutError: an array has the wrong dtype or shape.
        FrameCountMismatchError: `rgb` and `depth` hold different numbers of frames.
    """

    rgb: np.ndarray | None
    depth: np.ndarray | None
    label: int
    name: str

    def __post_init__(self) -> None:
        # the service's rules for uploads (one implementation), reported as dataset errors
        try:
            check_clip_arrays(self.rgb, self.depth)
        except FrameCountError as exc:
            raise FrameCountMismatchError(f"clip {self.name!r}: {exc}") from None
        except ClipArrayError as exc:
            raise LayoutError(f"clip {self.name!r}: {exc}") from None

    @property
    def frames(self) -> int:
        """Number of frames T (0 when neither modality is loaded)."""
        for arr in (self.rgb, self.depth):
            if arr is not None:
                return int(arr.shape[0])
        return 0
