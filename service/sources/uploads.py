"""Uploaded clips to frames: `.npz` clips, RealSense recordings and colour + depth videos
(OpenCV), chosen by the multipart field and the file's suffix.

Everything a client can get wrong raises a `ClientError` naming the problem.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from service.errors import InvalidClip, UndecodableInput, UnsupportedMedia
from service.sources.clip_arrays import ClipArrayError, check_clip_arrays
from service.sources.declared_sizes import HeaderError, npz_headers
from service.sources.realsense import RECORDING_SUFFIXES, RealSenseError, RecordingTooLong, read_recording

NPZ_SUFFIX = ".npz"
VIDEO_SUFFIXES = (".mp4", ".avi", ".mkv", ".webm", ".mov", ".m4v", ".mpg", ".mpeg", ".wmv")
CLIP_KINDS = "a .npz clip, a RealSense .bag/.db3 recording, or a video such as .mp4 or .avi"
CLIP_SUFFIXES = (NPZ_SUFFIX, *RECORDING_SUFFIXES)  # files sent whole in the `clip` field
UploadedFile = tuple[bytes, str]  # the file's bytes and its lower-case suffix ("" when none)


@dataclass
class DecodedClip:
    """rgb uint8 [T, H, W, 3] (RGB order) or None; depth uint16 [T, H, W] mm, uint8 [T, H, W]
    grey or uint8 [T, H, W, 3] encoded, or None; fps if known; `warnings`: what the client
    should know about how it was read (a video cut short)."""

    rgb: np.ndarray | None
    depth: np.ndarray | None
    fps: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def frames(self) -> int:
        return int((self.rgb if self.rgb is not None else self.depth).shape[0])  # type: ignore[union-attr]


MIN_FPS, MAX_FPS = 0.1, 1000.0  # an .npz's fps, when it gives one


@dataclass(frozen=True)
class Limits:
    """Upload limits (see Settings)."""

    max_frames: int = 3600
    max_pixels: int = 1920 * 1080
    max_duration_s: float = 300.0
    max_decoded_bytes: int = 256 * 2**20  # the decoded arrays of one upload, checked before decoding


def check_clip(clip: DecodedClip, limits: Limits) -> DecodedClip:
    """Validate shapes, dtypes, matching modalities and the limits.

    Raises:
        InvalidClip: with a message naming what is wrong.
    """
    if clip.rgb is None and clip.depth is None:
        raise InvalidClip("the clip has neither rgb nor depth frames")
    try:
        check_clip_arrays(clip.rgb, clip.depth)
    except ClipArrayError as exc:
        raise InvalidClip(str(exc)) from exc
    if clip.rgb is not None and clip.depth is not None:
        # unlike training sets (NTU RGB+D), uploads are registered pairs: sizes must match
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


def check_npz_headers(data: bytes, limits: Limits) -> None:
    """Refuse an `.npz` for what its arrays declare, before any is inflated: `rgb`/`depth`
    that are not [T, H, W(, C)] or pass the frame, pixel or decoded-size limits, an `fps`
    that is not one real number.

    Raises:
        UndecodableInput: not an .npz, an unreadable header, pickled objects.
        InvalidClip: a declared shape or size the limits refuse.
    """
    try:
        headers = {h.name: h for h in npz_headers(data)}
    except HeaderError as exc:
        raise UndecodableInput(f"not a readable .npz file ({exc})") from None
    for name in ("rgb", "depth"):
        h = headers.get(name)
        if h is None:
            continue
        if len(h.shape) not in (3, 4):
            raise InvalidClip(f"{name} has shape {list(h.shape)}; expected [T, H, W] or [T, H, W, C]")
        frames, height, width = h.shape[:3]
        if frames > limits.max_frames:
            raise InvalidClip(f"{name} declares {frames} frames, more than the limit of {limits.max_frames}")
        if height * width > limits.max_pixels:
            raise InvalidClip(
                f"{name} declares {width}x{height} frames, more than the limit of {limits.max_pixels} pixels"
            )
    fps = headers.get("fps")
    if fps is not None and (fps.dtype.kind not in "iuf" or int(np.prod(fps.shape)) != 1):
        raise InvalidClip(f"fps must be one real number, got a {fps.dtype} array of shape {list(fps.shape)}")
    total = sum(headers[n].nbytes for n in ("rgb", "depth") if n in headers)
    if total > limits.max_decoded_bytes:
        raise InvalidClip(
            f"the clip's arrays decode to {total / 2**20:.0f} MiB, more than the limit of "
            f"{limits.max_decoded_bytes / 2**20:.0f} MiB (GESTURE_MAX_DECODED_MB)"
        )


def decode_npz(data: bytes, limits: Limits | None = None) -> DecodedClip:
    """An `.npz` with `rgb` and/or `depth` (and optionally `fps`); no pickles. Its headers
    are checked against `limits` first (see `check_npz_headers`)."""
    check_npz_headers(data, limits or Limits())
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            keys = set(z.files)
            if not keys & {"rgb", "depth"}:
                raise InvalidClip(f"the .npz holds {sorted(keys)}, expected 'rgb' and/or 'depth'")
            rgb = z["rgb"] if "rgb" in keys else None
            depth = z["depth"] if "depth" in keys else None
            fps = float(z["fps"]) if "fps" in keys else None
    except InvalidClip:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError, MemoryError) as exc:
        raise UndecodableInput(f"not a readable .npz file ({type(exc).__name__}: {exc})") from None
    if fps is not None and not (math.isfinite(fps) and MIN_FPS <= fps <= MAX_FPS):
        raise InvalidClip(f"fps must be a number in {MIN_FPS:g}..{MAX_FPS:g}, got {fps:.6g}")
    return DecodedClip(rgb, depth, fps)


def decode_video(data: bytes, suffix: str, depth: bool, limits: Limits) -> tuple[np.ndarray, float | None, list[str]]:
    """A video file's frames: colour as RGB uint8 [T, H, W, 3], depth as grey uint8 [T, H, W],
    its fps, and warnings (a video cut short).
    The frame size the container declares is checked before the first frame is decoded, and
    the decoded bytes as frames come.

    Raises:
        UndecodableInput: OpenCV cannot read it, or it has no frames.
        InvalidClip: more frames, pixels or decoded bytes than `limits` allow.
    """
    what = "depth" if depth else "rgb"
    fd, path = tempfile.mkstemp(suffix=suffix or ".video")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        cap = cv2.VideoCapture(path)
        if not cap.isOpened():
            raise UndecodableInput(f"cannot decode the {what} video: OpenCV finds no video in it (send {CLIP_KINDS})")
        declared = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)) * int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if declared > limits.max_pixels:
            raise InvalidClip(
                f"the {what} video's frames have {declared} pixels, more than the limit of {limits.max_pixels}"
            )
        fps = cap.get(cv2.CAP_PROP_FPS) or None
        declared_frames = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        frames: list[np.ndarray] = []
        decoded = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if len(frames) >= limits.max_frames:
                raise InvalidClip(f"the {what} video has more than the limit of {limits.max_frames} frames")
            frames.append(frame[..., 0].copy() if depth else cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            decoded += frames[-1].nbytes
            if decoded > limits.max_decoded_bytes:
                raise InvalidClip(
                    f"the {what} video decodes to more than the limit of {limits.max_decoded_bytes / 2**20:.0f} MiB "
                    "(GESTURE_MAX_DECODED_MB)"
                )
        cap.release()
    finally:
        os.unlink(path)
    if not frames:
        raise UndecodableInput(f"the {what} video has no decodable frames")
    shapes = {f.shape for f in frames}
    if len(shapes) > 1:
        raise UndecodableInput("the video's frames change size")
    return np.stack(frames), fps, _cut_short(what, len(frames), declared_frames)


def _cut_short(what: str, decoded: int, declared: int) -> list[str]:
    """A warning when a video decodes to clearly fewer frames than its container declares
    (a truncated upload); containers that declare no count say nothing."""
    if declared > 0 and decoded < 0.9 * declared - 1:
        return [f"the {what} video decoded to {decoded} of the {declared} frames it declares: is it cut short?"]
    return []


def decode_recording(data: bytes, suffix: str, max_frames: int) -> DecodedClip:
    """A RealSense recording (`.bag` ROS1 or `.db3` ROS2): aligned rgb and depth in mm.

    Raises:
        UndecodableInput: pyrealsense2 cannot play it, or it lacks colour or depth.
        InvalidClip: more than `max_frames` frames.
    """

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


def upload_field(filename: str) -> str:
    """The multipart field a file goes in: `clip` for `.npz` clips and RealSense recordings,
    `rgb` for anything else (a colour video). `GestureClient.classify_file` and
    `gesture classify` both choose this way, so a local file decodes as its upload would."""
    return "clip" if Path(filename).suffix.lower() in CLIP_SUFFIXES else "rgb"


def local_upload_files(
    path: str | os.PathLike[str], depth_video: str | os.PathLike[str] | None = None
) -> dict[str, UploadedFile]:
    """Local files as the upload fields `decode_upload` takes.

    Args:
        path: a `.npz` clip, a RealSense recording or a colour video.
        depth_video: an 8-bit depth video to pair with a colour video (unread otherwise).

    Raises:
        FileNotFoundError: a file that does not exist.
    """
    path = _local_clip_file(path)
    field = upload_field(path.name)
    files = {field: (path.read_bytes(), path.suffix.lower())}
    if field == "rgb" and depth_video is not None:
        depth_video = _local_clip_file(depth_video)
        files["depth"] = (depth_video.read_bytes(), depth_video.suffix.lower())
    return files


def _local_clip_file(path: str | os.PathLike[str]) -> Path:
    """`path` if it is a file of a kind a clip can be.

    Raises:
        FileNotFoundError: no such file.
        UnsupportedMedia: a folder, or a file whose name says it is no clip.
    """
    path = Path(path)
    if path.is_dir():
        raise UnsupportedMedia(f"{path} is a folder: give one clip file ({CLIP_KINDS})")
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix not in (NPZ_SUFFIX, *RECORDING_SUFFIXES, *VIDEO_SUFFIXES):
        raise UnsupportedMedia(f"{path.name} is not a clip: give {CLIP_KINDS}")
    return path


def decode_upload(files: Mapping[str, UploadedFile], limits: Limits) -> DecodedClip:
    """The clip in the fields `clip` (a `.npz` or a RealSense recording), or `rgb` and/or
    `depth` (videos); `clip` wins when both are sent. Not yet checked: see `check_clip`.

    Raises:
        UnsupportedMedia: a `clip` of another kind, or a `.npz` sent as `rgb`.
        InvalidClip: no usable field, or more than `limits.max_frames` frames.
        UndecodableInput: a file its decoder cannot read.
    """
    if "clip" in files:
        data, suffix = files["clip"]
        if suffix == NPZ_SUFFIX or data[:2] == b"PK":  # a zip: an .npz under another name
            return decode_npz(data, limits)
        if suffix in RECORDING_SUFFIXES:
            return decode_recording(data, suffix, limits.max_frames)
        raise UnsupportedMedia(
            f"unsupported clip file {suffix or '(no extension)'}: send a .npz, or 'rgb' and 'depth' videos"
        )
    if "rgb" not in files and "depth" not in files:
        raise InvalidClip("no file: send 'clip' (.npz) or 'rgb' and/or 'depth' videos as multipart fields")
    rgb = depth = None
    fps = None
    warnings: list[str] = []
    if "rgb" in files:
        data, suffix = files["rgb"]
        if suffix == NPZ_SUFFIX:
            raise UnsupportedMedia("send .npz clips in the 'clip' field")
        rgb, fps, notes = decode_video(data, suffix, depth=False, limits=limits)
        warnings += notes
    if "depth" in files:
        data, suffix = files["depth"]
        depth, dfps, notes = decode_video(data, suffix, depth=True, limits=limits)
        fps = fps or dfps
        warnings += notes
    return DecodedClip(rgb, depth, fps, warnings)
