"""Binary frame messages of the WebSocket protocol (see docs/protocol.md).

Layout, little-endian: magic `GF01` (4 bytes), frame index uint32, timestamp float64
(seconds), rgb length uint32, depth length uint32, then the rgb bytes and the depth bytes.
Colour is JPEG/PNG or raw RGB (H*W*3 bytes); depth is a 16-bit PNG or raw uint16 (H*W*2
bytes) in millimetres.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import numpy as np

from service.sources.declared_sizes import HeaderError, image_size

MAGIC = b"GF01"
HEADER = struct.Struct("<4sIdII")


class FrameError(ValueError):
    """A frame that cannot be used (reported to the client and skipped)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Frame:
    index: int
    timestamp: float
    rgb: np.ndarray | None  # uint8 [H, W, 3] RGB
    depth: np.ndarray | None  # uint16 [H, W] mm


def pack_frame(index: int, timestamp: float, rgb: bytes = b"", depth: bytes = b"") -> bytes:
    """Build a binary frame message (clients use this)."""
    return HEADER.pack(MAGIC, index, timestamp, len(rgb), len(depth)) + rgb + depth


def encode_rgb_payload(frame: np.ndarray, encoding: str) -> bytes:
    """The rgb bytes of a frame message: raw RGB, or a JPEG (quality 90) for any other encoding.

    Named `payload` to keep it apart from the model-input depth encoding
    (`service.inference.depth.encode_depth`), which turns millimetres into network pixels.
    """
    if encoding == "raw":
        return np.ascontiguousarray(frame, np.uint8).tobytes()
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return buf.tobytes()


def encode_depth_payload(frame: np.ndarray, encoding: str) -> bytes:
    """The depth bytes of a frame message: raw little-endian uint16, or a 16-bit PNG for any
    other encoding; millimetres either way (the server encodes depth for the model)."""
    if encoding == "raw":
        return np.ascontiguousarray(frame, "<u2").tobytes()
    ok, buf = cv2.imencode(".png", frame.astype(np.uint16))
    assert ok
    return buf.tobytes()


def _check_declared_size(raw: bytes, width: int, height: int, index: int, what: str) -> None:
    """Refuse an image by the size its header declares, before decoding it (a small PNG can
    declare 16000x16000 pixels), and any format but PNG and JPEG (whose headers we read).

    Raises:
        FrameError: not a PNG or JPEG, a cut header, or another size than the stream's.
    """
    try:
        size = image_size(raw)
    except HeaderError as exc:
        raise FrameError("undecodable", f"frame {index}: {what}: {exc}") from None
    if size is None:
        raise FrameError("undecodable", f"frame {index}: {what} is not a PNG or JPEG image")
    if size != (width, height):
        raise FrameError("wrong_size", f"frame {index}: {what} is {size[0]}x{size[1]}, expected {width}x{height}")


def unpack_frame(
    message: bytes, width: int, height: int, rgb_encoding: str, depth_encoding: str, want_rgb: bool, want_depth: bool
) -> Frame:
    """Decode one binary message.

    Raises:
        FrameError: malformed header, wrong sizes, undecodable images, a missing modality.
    """
    if len(message) < HEADER.size:
        raise FrameError("malformed_frame", f"frame message of {len(message)} bytes is shorter than the header")
    magic, index, ts, n_rgb, n_depth = HEADER.unpack_from(message)
    if magic != MAGIC:
        raise FrameError("malformed_frame", "bad magic: binary frames start with b'GF01'")
    if HEADER.size + n_rgb + n_depth != len(message):
        raise FrameError("malformed_frame", f"frame {index}: lengths {n_rgb} + {n_depth} do not match the message")
    body = memoryview(message)[HEADER.size :]
    rgb = depth = None
    if want_rgb:
        if n_rgb == 0:
            raise FrameError("missing_modality", f"frame {index} has no rgb")
        raw = bytes(body[:n_rgb])
        if rgb_encoding == "raw":
            if n_rgb != width * height * 3:
                raise FrameError(
                    "wrong_size", f"frame {index}: raw rgb is {n_rgb} bytes, expected {width * height * 3}"
                )
            rgb = np.frombuffer(raw, np.uint8).reshape(height, width, 3)
        else:
            _check_declared_size(raw, width, height, index, "rgb")
            img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
            if img is None:
                raise FrameError("undecodable", f"frame {index}: rgb is not a decodable image")
            if img.shape[:2] != (height, width):
                raise FrameError(
                    "wrong_size", f"frame {index}: rgb is {img.shape[1]}x{img.shape[0]}, expected {width}x{height}"
                )
            rgb = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    if want_depth:
        if n_depth == 0:
            raise FrameError("missing_modality", f"frame {index} has no depth")
        raw = bytes(body[n_rgb:])
        if depth_encoding == "raw":
            if n_depth != width * height * 2:
                raise FrameError(
                    "wrong_size", f"frame {index}: raw depth is {n_depth} bytes, expected {width * height * 2}"
                )
            depth = np.frombuffer(raw, "<u2").reshape(height, width).astype(np.uint16)
        else:
            _check_declared_size(raw, width, height, index, "depth")
            img = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_UNCHANGED)
            if img is None or img.dtype != np.uint16 or img.ndim != 2:
                raise FrameError("undecodable", f"frame {index}: depth is not a 16-bit single-channel PNG")
            if img.shape != (height, width):
                raise FrameError(
                    "wrong_size", f"frame {index}: depth is {img.shape[1]}x{img.shape[0]}, expected {width}x{height}"
                )
            depth = img
    return Frame(index, ts, rgb, depth)
