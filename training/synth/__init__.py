"""SynthGesture-RGBD: a generated RGB-D hand-gesture data set (see `training/synth/README.md`;
the full specification is `../shared/docs/synthetic-gestures.md`, outside this repository).

13 classes (see `CLASS_NAMES`); some need the temporal order, push / pull only the depth
stream and the two flips only the colour stream. `render_clip` / `render_stream` render in
memory; `write_dataset` writes the split-file layout and `write_npz_clips` one `.npz` per
clip. A seed reproduces every clip.
"""

from __future__ import annotations

from training.synth.classes import CLASS_NAMES, NUM_CLASSES, class_id, class_name
from training.synth.constants import FPS, VERSION
from training.synth.randomness import key_rng
from training.synth.render import Clip, Stream, render_clip, render_stream
from training.synth.writers.dataset import DatasetSummary, write_dataset
from training.synth.writers.npz import NpzSummary, write_npz_clips

__all__ = [
    "CLASS_NAMES",
    "NUM_CLASSES",
    "FPS",
    "VERSION",
    "Clip",
    "Stream",
    "DatasetSummary",
    "NpzSummary",
    "class_id",
    "class_name",
    "key_rng",
    "render_clip",
    "render_stream",
    "write_dataset",
    "write_npz_clips",
]
