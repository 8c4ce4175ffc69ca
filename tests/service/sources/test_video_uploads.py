"""Video uploads: a video cut short is decoded with a warning that says so, and a video
whose declared frame size passes the pixel limit is refused before any frame is decoded."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from service.errors import InvalidClip
from service.sources.uploads import Limits, decode_upload


def _avi(path: Path, frames: int, size: int) -> bytes:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 30, (size, size))
    for i in range(frames):
        writer.write(np.random.default_rng(i).integers(0, 255, (size, size, 3), dtype=np.uint8))
    writer.release()
    return path.read_bytes()


def test_a_video_cut_short_is_read_with_a_warning(tmp_path):
    whole = _avi(tmp_path / "whole.avi", 60, 64)
    full = decode_upload({"rgb": (whole, ".avi")}, Limits())
    assert full.frames == 60 and full.warnings == []
    cut = decode_upload({"rgb": (whole[: int(len(whole) * 0.3)], ".avi")}, Limits())
    assert cut.frames < 30 and "of the 60 frames it declares" in cut.warnings[0]


def test_a_video_too_large_per_frame_is_refused_from_its_header(tmp_path):
    video = _avi(tmp_path / "big.avi", 2, 128)
    with pytest.raises(InvalidClip, match="pixels"):
        decode_upload({"rgb": (video, ".avi")}, Limits(max_pixels=64 * 64))
