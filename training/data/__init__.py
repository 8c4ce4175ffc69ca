"""Dataset readers, depth encodings, temporal sampling and clip augmentation (numpy / cv2).

Readers return `RawClip`s (uint8 RGB, uint16-mm or 8-bit depth); a torch Dataset wraps them
elsewhere. Every data problem raises a `DatasetError` subclass naming the file or clip.
"""

from .augmentation.geometric import ClipTransform, official_transform
from .autodetect import LAYOUTS, detect_layout, open_dataset
from .clip import (
    DatasetError,
    FrameCountMismatchError,
    LayoutError,
    MissingFileError,
    RawClip,
    UnreadableFrameError,
)
from .depth_encoding import (
    ENCODINGS,
    depth_to_gray,
    encode_depth,
    ntu_crop_box,
    ntu_crop_jet,
    ntu_encode_clip,
)
from .frame_io import FrameSource, ImageFolderSource, VideoSource, read_image
from .npz_folder import NpzFolderDataset, read_labels_csv
from .official_layouts import (
    isogd_dataset,
    isogd_depth_name,
    ntu_dataset,
    nvgesture_dataset,
    synth_dataset,
    thuread_dataset,
)
from .readers import ClipReader, SplitFileDataset
from .recorder import (
    RecorderClipInfo,
    list_recorder_clips,
    load_recorder_clip,
    read_labels_txt,
    recorder_dataset,
)
from .split_file import SplitEntry, read_split_file
from .temporal import sample_indices

__all__ = [
    "ENCODINGS",
    "LAYOUTS",
    "ClipReader",
    "ClipTransform",
    "DatasetError",
    "FrameCountMismatchError",
    "FrameSource",
    "ImageFolderSource",
    "LayoutError",
    "MissingFileError",
    "NpzFolderDataset",
    "RawClip",
    "RecorderClipInfo",
    "SplitEntry",
    "SplitFileDataset",
    "UnreadableFrameError",
    "VideoSource",
    "depth_to_gray",
    "detect_layout",
    "encode_depth",
    "isogd_dataset",
    "isogd_depth_name",
    "list_recorder_clips",
    "load_recorder_clip",
    "ntu_crop_box",
    "ntu_crop_jet",
    "ntu_dataset",
    "ntu_encode_clip",
    "nvgesture_dataset",
    "official_transform",
    "open_dataset",
    "read_image",
    "read_labels_csv",
    "read_labels_txt",
    "read_split_file",
    "recorder_dataset",
    "sample_indices",
    "synth_dataset",
    "thuread_dataset",
]
