"""The frame pair every source yields, named once so cameras, recordings, generated
feeds and the streaming client agree on what a frame is."""

from __future__ import annotations

import numpy as np

FramePair = tuple[np.ndarray, np.ndarray]
"""One frame: rgb uint8 [H, W, 3] (RGB order), depth uint16 [H, W] millimetres, same H, W."""
