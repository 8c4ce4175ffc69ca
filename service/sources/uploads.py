"""Uploaded clips to frames: `.npz` clips and colour + depth videos (OpenCV).

Everything a client can get wrong raises a `ClientError` naming the problem.
"""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from dataclasses import dataclass

import cv2
import numpy as np

from service.errors import InvalidClip, UndecodableInput


@dataclass
class DecodedClip:
    """rgb uint8 [T, H, W, 3] (RGB order) or None; depth uint16 [T, H, W] mm, uint8 [T, H, W]
    grey or uint8 [T, H, W, 3] encoded, or None; fps if known."""

    rgb: np.ndarray | None
    depth: np.ndarray | None
    fps: float | None = None

    @property
    def frames(self) -> int:
        return int((self.rgb if self.rgb is not None else self.depth).shape[0])  # type: ignore[union-attr]


@dataclass(frozen=True)
class Limits:
    """Upload limits (see Settings)."""

    max_frames: int = 3600
    max_pixels: int = 1920 * 1080
    max_duration_s: float = 300.0


def check_clip(clip: DecodedClip, limits: Limits) -> DecodedClip:
    """Validate shapes, dtypes, matching modalities and the limits.

    Raises:
        InvalidClip: with a message naming what is wrong.
    """
    if clip.rgb is None and clip.depth is None:
        raise InvalidClip("the clip has neither rgb nor depth frames")
    if clip.rgb is not None:
        r = clip.rgb
        if r.dtype != np.uint8 or r.ndim != 4 or r.shape[-1] != 3:
            raise InvalidClip(f"rgb must be uint8 [T, H, W, 3], got {r.dtype} {list(r.shape)}")
    if clip.depth is not None:
        d = clip.depth
        ok = (d.dtype == np.uint16 and d.ndim == 3) or (
            d.dtype == np.uint8 and (d.ndim == 3 or (d.ndim == 4 and d.shape[-1] == 3))
        )
        if not ok:
            raise InvalidClip(
                f"depth must be uint16 [T, H, W] millimetres or uint8 [T, H, W(, 3)], got {d.dtype} {list(d.shape)}"
            )
    if clip.rgb is not None and clip.depth is not None:
        if clip.rgb.shape[0] != clip.depth.shape[0]:
            raise InvalidClip(f"rgb has {clip.rgb.shape[0]} frames but depth has {clip.depth.shape[0]}")
        if clip.rgb.shape[1:3] != clip.depth.shape[1:3]:
            raise InvalidClip(
                f"rgb frames are {clip.rgb.shape[2]}x{clip.rgb.shape[1]} but depth frames are "
                f"{clip.depth.shape[2]}x{clip.depth.shape[1]}"
            )
    n = clip.frames
    first = clip.rgb if clip.rgb is not None else clip.depth
    h, w = first.shape[1:3]  # type: ignore[union-attr]
    if n == 0:
        raise InvalidClip("the clip has no frames")
    if n > limits.max_frames:
        raise InvalidClip(f"{n} frames is more than the limit of {limits.max_frames}")
    if h * w > limits.max_pixels:
        raise InvalidClip(f"{w}x{h} frames exceed the limit of {limits.max_pixels} pixels")
    if min(h, w) < 8:
        raise InvalidClip(f"{w}x{h} frames are too small")
    if clip.fps and n / clip.fps > limits.max_duration_s:
        raise InvalidClip(f"{n / clip.fps:.1f} s is longer than the limit of {limits.max_duration_s:g} s")
    return clip


def decode_npz(data: bytes) -> DecodedClip:
    """An `.npz` with `rgb` and/or `depth` (and optionally `fps`); no pickles."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            keys = set(z.files)
            if not keys & {"rgb", "depth"}:
                raise InvalidClip(f"the .npz holds {sorted(keys)}, expected 'rgb' and/or 'depth'")
            rgb = z["rgb"] if "rgb" in keys else None
            depth = z["depth"] if "depth" in keys else None
            fps = float(z["fps"]) if "fps" in keys and z["fps"].size == 1 else None
    except InvalidClip:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise UndecodableInput(f"not a readable .npz file ({exc})") from exc
    return DecodedClip(rgb, depth, fps)


def decode_video(data: bytes, suffix: str, depth: bool, max_frames: int) -> tuple[np.ndarray, float | None]:
    """A video file's frames: colour as RGB uint8 [T, H, W, 3], depth as grey uint8 [T, H, W].

    Raises:
        UndecodableInput: OpenCV cannot read it, or it has no frames.
        InvalidClip: more than `max_frames` frames.
    """
    fd, path = tempfile.mkstemp(suffix=suffix or ".video")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        cap = cv2.VideoCapture(path)
        if not cap.isOpened():
            raise UndecodableInput(f"cannot decode the {'depth' if depth else 'rgb'} video")
        fps = cap.get(cv2.CAP_PROP_FPS) or None
        frames = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if len(frames) >= max_frames:
                raise InvalidClip(f"the video has more than the limit of {max_frames} frames")
            frames.append(frame[..., 0] if depth else cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        cap.release()
    finally:
        os.unlink(path)
    if not frames:
        raise UndecodableInput(f"the {'depth' if depth else 'rgb'} video has no decodable frames")
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise UndecodableInput("the video's frames change size")
    return np.stack(frames), fps


def decode_recording(data: bytes, suffix: str, max_frames: int) -> DecodedClip:
    """A RealSense recording (`.bag` ROS1 or `.db3` ROS2): aligned rgb and depth in mm.

    Raises:
        UndecodableInput: pyrealsense2 cannot play it, or it lacks colour or depth.
        InvalidClip: more than `max_frames` frames.
    """
    from service.sources.realsense import RealSenseError, RecordingTooLong, read_recording

    fd, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        rgb, depth, fps = read_recording(path, max_frames)
    except RecordingTooLong as exc:
        raise InvalidClip(str(exc)) from exc
    except RealSenseError as exc:
        upload = f"the uploaded {suffix} file"
        reason = str(exc).replace(path, upload).replace(os.path.basename(path), upload).splitlines()[0]
        raise UndecodableInput(f"cannot play the RealSense recording: {reason}") from exc
    finally:
        os.unlink(path)
    return DecodedClip(rgb, depth, fps)
