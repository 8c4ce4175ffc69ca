"""Intel RealSense frames through pyrealsense2: a live camera, or a `.bag` (ROS1) / `.db3`
(ROS2) recording played back as fast as it is read.

Depth is aligned to colour and converted to millimetres with the device's depth scale.
pyrealsense2 needs the system library libusb-1.0 (Debian `libusb-1.0-0`) to import; it is
imported only when a source is opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from service.sources.frames import FramePair

RECORDING_SUFFIXES = (".bag", ".db3")
FRAME_TIMEOUT_MS = 5000  # a live camera silent this long is treated as unplugged
RECORDING_POLL_MS = 100  # how often a recording is asked for its next frame (and whether it ended)
FIRST_CAMERA = "first"  # what `--camera` takes for "whichever camera is plugged in"


class RealSenseError(RuntimeError):
    """A RealSense source cannot deliver frames (the message says why)."""


class RecordingTooLong(RealSenseError):
    """A recording holds more frames than the caller's limit."""


class CameraDisconnected(RealSenseError):
    """A live camera stopped delivering frames mid-stream."""


@dataclass(frozen=True)
class RGBDFrame:
    """One aligned frame pair: timestamp in ms, rgb uint8 [H, W, 3], depth_mm uint16 [H, W]."""

    timestamp_ms: float
    rgb: np.ndarray
    depth_mm: np.ndarray


def import_pyrealsense2() -> ModuleType:
    """pyrealsense2, or a RealSenseError saying how to install it."""
    try:
        import pyrealsense2 as rs
    except ImportError as exc:
        raise RealSenseError(
            f"pyrealsense2 cannot be imported ({exc}); install it with `pip install pyrealsense2` "
            "and the system library libusb-1.0 (Debian/Ubuntu: `apt-get install libusb-1.0-0`)"
        ) from exc
    return rs


def list_cameras() -> list[str]:
    """Serial numbers of the RealSense cameras plugged in."""
    rs = import_pyrealsense2()
    return [d.get_info(rs.camera_info.serial_number) for d in rs.context().query_devices()]


class RealSenseSource:
    """Aligned RGB-D frames from a recording or a camera.

    Use as a context manager; iterate `frames()`.

    Args:
        recording: a `.bag` or `.db3` file; None for a live camera.
        serial: the camera's serial number (None: the first one found).
        width, height, fps: the stream profile asked of a live camera.
    """

    def __init__(
        self,
        recording: str | os.PathLike[str] | None = None,
        serial: str | None = None,
        width: int = 640,
        height: int = 480,
        fps: int = 30,
    ) -> None:
        self.recording = Path(recording) if recording is not None else None
        self.serial = serial
        self.width, self.height, self.fps = width, height, fps
        self._rs: Any = None
        self._pipeline: Any = None
        self._align: Any = None
        self._depth_to_mm = 1.0
        self.stream_fps: float | None = None

    # -- opening ----------------------------------------------------------------------
    def _config(self, rs: Any) -> Any:
        config = rs.config()
        if self.recording is not None:
            if not self.recording.is_file():
                raise RealSenseError(f"recording not found: {self.recording}")
            if self.recording.suffix.lower() not in RECORDING_SUFFIXES:
                raise RealSenseError(f"{self.recording.name}: a RealSense recording ends in .bag or .db3")
            config.enable_device_from_file(str(self.recording), repeat_playback=False)
            return config
        serials = list_cameras()
        if not serials:
            raise RealSenseError("no RealSense camera found (is it plugged in, and is libusb allowed to open it?)")
        if self.serial is not None and self.serial not in serials:
            raise RealSenseError(f"no RealSense camera with serial {self.serial}; found {', '.join(serials)}")
        config.enable_device(self.serial or serials[0])
        config.enable_stream(rs.stream.depth, self.width, self.height, rs.format.z16, self.fps)
        config.enable_stream(rs.stream.color, self.width, self.height, rs.format.rgb8, self.fps)
        return config

    def open(self) -> RealSenseSource:
        rs = self._rs = import_pyrealsense2()
        config = self._config(rs)
        pipeline = rs.pipeline()
        try:
            profile = pipeline.start(config)
        except RuntimeError as exc:
            if self.recording is not None:
                raise RealSenseError(f"cannot open {self.recording.name}: {exc}") from exc
            raise RealSenseError(
                f"the camera cannot stream colour and depth at {self.width}x{self.height} {self.fps} fps ({exc})"
            ) from exc
        self._pipeline = pipeline
        kinds = {s.stream_type(): s for s in profile.get_streams()}
        for needed, name in ((rs.stream.color, "colour"), (rs.stream.depth, "depth")):
            if needed not in kinds:
                self.close()
                raise RealSenseError(f"the {'recording' if self.recording else 'camera'} has no {name} stream")
        color = kinds[rs.stream.color]
        if color.format() not in (rs.format.rgb8, rs.format.bgr8):
            self.close()
            raise RealSenseError(f"unsupported colour format {color.format()} (rgb8 or bgr8 expected)")
        self.stream_fps = float(color.fps())
        device = profile.get_device()
        if self.recording is not None:
            self._playback = device.as_playback()
            self._playback.set_real_time(False)
        self._depth_to_mm = float(device.first_depth_sensor().get_depth_scale()) * 1000.0
        self._align = rs.align(rs.stream.color)
        return self

    def close(self) -> None:
        if self._pipeline is not None:
            try:
                self._pipeline.stop()
            except RuntimeError:
                pass  # already stopped (camera unplugged)
            self._pipeline = None

    def _recording_ended(self) -> bool:
        playback = getattr(self, "_playback", None)
        return playback is not None and playback.current_status() == self._rs.playback_status.stopped

    def __enter__(self) -> RealSenseSource:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- frames -------------------------------------------------------------------------
    def _convert(self, frameset: Any) -> RGBDFrame | None:
        rs = self._rs
        aligned = self._align.process(frameset)
        depth, color = aligned.get_depth_frame(), aligned.get_color_frame()
        if not depth or not color:
            return None
        # copies: the arrays would otherwise keep librealsense's pooled frames alive (the pool
        # then runs dry and frames are dropped) or see them recycled
        rgb = np.array(np.asanyarray(color.get_data()), copy=True)
        if color.get_profile().format() == rs.format.bgr8:
            rgb = np.ascontiguousarray(rgb[..., ::-1])
        raw = np.asanyarray(depth.get_data())
        if abs(self._depth_to_mm - 1.0) < 1e-6:
            depth_mm = np.array(raw, dtype=np.uint16, copy=True)
        else:
            depth_mm = np.clip(np.rint(raw * self._depth_to_mm), 0, 65535).astype(np.uint16)
        return RGBDFrame(float(color.get_timestamp()), rgb, depth_mm)

    def frames(self, max_frames: int | None = None) -> Iterator[RGBDFrame]:
        """Frames until the recording ends (or `max_frames`).

        Raises:
            CameraDisconnected: a live camera delivered nothing for FRAME_TIMEOUT_MS.
        """
        if self._pipeline is None:
            self.open()
        count = 0
        waited = 0
        while max_frames is None or count < max_frames:
            # a recording is asked often, so that its end is seen at once, not after a timeout
            timeout = RECORDING_POLL_MS if self.recording is not None else FRAME_TIMEOUT_MS
            try:
                ok, frameset = self._pipeline.try_wait_for_frames(timeout)
            except RuntimeError as exc:
                ok, frameset = False, None
                if self.recording is None:
                    raise CameraDisconnected(f"the camera stopped delivering frames ({exc})") from exc
            if not ok:
                if self.recording is None:
                    raise CameraDisconnected(f"the camera delivered no frame for {FRAME_TIMEOUT_MS} ms")
                waited += timeout
                if self._recording_ended() or waited >= FRAME_TIMEOUT_MS:
                    return
                continue
            waited = 0
            frame = self._convert(frameset)
            if frame is not None:
                count += 1
                yield frame


def realsense_source(
    recording: str | os.PathLike[str] | None = None,
    camera: str | None = None,
    width: int = 640,
    height: int = 480,
    fps: int = 30,
) -> RealSenseSource:
    """The source a command's `--recording` / `--camera` options name, not yet opened.

    One place decides between a recording and a camera, so every command (and the
    server's live feed) reads `--camera first` and a recording the same way.

    Args:
        recording: a `.bag` or `.db3` file; when given, the camera options are ignored.
        camera: the camera's serial number; None or `first` take the first camera found.
        width, height, fps: the stream profile asked of a live camera.
    """
    if recording is not None:
        return RealSenseSource(recording=recording)
    serial = None if camera == FIRST_CAMERA else camera
    return RealSenseSource(serial=serial, width=width, height=height, fps=fps)


def frame_pairs(source: RealSenseSource) -> Iterator[FramePair]:
    """The (rgb, depth mm) pairs of a source until it ends (opened on the first frame if
    it is not open yet); the timestamps are dropped, as the streaming paths pace by fps."""
    for frame in source.frames():
        yield frame.rgb, frame.depth_mm


def stream_pairs(
    recording: str | os.PathLike[str] | None = None,
    camera: str | None = None,
    width: int = 640,
    height: int = 480,
    fps: int = 30,
) -> Iterator[FramePair]:
    """One pass over a recording or a camera (see `realsense_source`): opened on the first
    frame and closed when the pass ends or is abandoned, so calling it again starts afresh."""
    with realsense_source(recording, camera, width, height, fps) as source:
        yield from frame_pairs(source)


def read_recording(path: str | os.PathLike[str], max_frames: int) -> tuple[np.ndarray, np.ndarray, float | None]:
    """All frames of a recording: rgb uint8 [T, H, W, 3], depth uint16 [T, H, W] mm, fps.

    Raises:
        RealSenseError: unreadable file, a missing stream, no frames, or more than
            `max_frames` frames.
    """
    rgb, depth = [], []
    with RealSenseSource(recording=path) as source:
        for frame in source.frames(max_frames + 1):
            rgb.append(frame.rgb)
            depth.append(frame.depth_mm)
        fps = source.stream_fps
    if len(rgb) > max_frames:
        raise RecordingTooLong(f"the recording has more than the limit of {max_frames} frames")
    if not rgb:
        raise RealSenseError("the recording has no frame with both colour and depth")
    return np.stack(rgb), np.stack(depth), fps
