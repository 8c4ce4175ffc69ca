"""RealSense recordings written without a camera, for the tests: a pyrealsense2
`software_device` with a depth and a colour sensor, recorded by `rs.recorder`.

Only the tests record clips (generated gestures) this way, so the helper lives with them.
pyrealsense2 2.58+ records ROS2 `.db3` files (it refuses `.bag`). Playback through the real
pipeline (`service.sources.realsense.RealSenseSource`) then exercises alignment and depth units.
"""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

import numpy as np

from service.sources.realsense import RealSenseError, import_pyrealsense2

DEPTH_UNITS_M = 0.001  # one depth unit is a millimetre, like a D400 camera
PUSH_INTERVAL_S = 0.004


def _intrinsics(rs, width: int, height: int):  # noqa: ANN001, ANN202 - pyrealsense2 types
    intr = rs.intrinsics()
    intr.width, intr.height = width, height
    intr.fx = intr.fy = 0.9 * width
    intr.ppx, intr.ppy = width / 2, height / 2
    intr.model = rs.distortion.none
    intr.coeffs = [0.0] * 5
    return intr


def _stream(rs, kind, uid: int, fmt, bpp: int, width: int, height: int, fps: int):  # noqa: ANN001, ANN202
    vs = rs.video_stream()
    vs.type, vs.index, vs.uid = kind, 0, uid
    vs.width, vs.height, vs.fps = width, height, fps
    vs.bpp, vs.fmt = bpp, fmt
    vs.intrinsics = _intrinsics(rs, width, height)
    return vs


def write_recording(path: str | os.PathLike[str], rgb: np.ndarray, depth_mm: np.ndarray, fps: int = 30) -> Path:
    """Record a clip.

    Args:
        path: the output file, ending in `.db3`.
        rgb: uint8 [T, H, W, 3].
        depth_mm: uint16 [T, H, W] millimetres, registered to the colour frames.
        fps: the frame rate written into the stream profiles.

    Returns:
        The path written. Playback may drop a frame or two (the first one, or under heavy
        load); frame timestamps are `t * 1000 / fps` ms, so played frames can be matched.
    """
    path = Path(path)
    if path.suffix != ".db3":
        raise RealSenseError(f"{path.name}: pyrealsense2 records .db3 (ROS2) files")
    if rgb.shape[:3] != depth_mm.shape or rgb.dtype != np.uint8 or depth_mm.dtype != np.uint16:
        raise ValueError(f"rgb uint8 [T,H,W,3] and depth uint16 [T,H,W] expected, got {rgb.shape}, {depth_mm.shape}")
    rs = import_pyrealsense2()
    frames, height, width = depth_mm.shape
    device = rs.software_device()
    depth_sensor, color_sensor = device.add_sensor("Depth"), device.add_sensor("Color")
    depth_sensor.add_read_only_option(rs.option.depth_units, DEPTH_UNITS_M)
    depth_profile = depth_sensor.add_video_stream(_stream(rs, rs.stream.depth, 0, rs.format.z16, 2, width, height, fps))
    color_profile = color_sensor.add_video_stream(
        _stream(rs, rs.stream.color, 1, rs.format.rgb8, 3, width, height, fps)
    )
    identity = rs.extrinsics()
    identity.rotation = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    identity.translation = [0.0, 0.0, 0.0]
    depth_profile.register_extrinsics_to(color_profile, identity)
    path.parent.mkdir(parents=True, exist_ok=True)
    recorder = rs.recorder(str(path), device)
    queue = rs.frame_queue(4 * frames + 8)
    depth_sensor.open(depth_profile)
    color_sensor.open(color_profile)
    depth_sensor.start(queue)
    color_sensor.start(queue)
    for t in range(frames):
        for sensor, profile, pixels, bpp in (
            (depth_sensor, depth_profile, np.ascontiguousarray(depth_mm[t]), 2),
            (color_sensor, color_profile, np.ascontiguousarray(rgb[t]), 3),
        ):
            frame = rs.software_video_frame()
            frame.pixels = pixels
            frame.stride, frame.bpp = width * bpp, bpp
            frame.timestamp = t * 1000.0 / fps
            frame.domain = rs.timestamp_domain.hardware_clock
            frame.frame_number = t
            frame.profile = profile.as_video_stream_profile()
            sensor.on_video_frame(frame)
        # the recorder writes on its own thread; pushing faster than it writes drops frames
        time.sleep(PUSH_INTERVAL_S)
    time.sleep(0.2)
    for sensor in (depth_sensor, color_sensor):
        sensor.stop()
        sensor.close()
    del recorder, depth_sensor, color_sensor, device  # the file is complete once all are gone
    gc.collect()
    return path
