"""What a file says it holds, read from its header before anything is decoded, so that a
small file that would decode into gigabytes (a compressed `.npz` of zeros, a 16000x16000
PNG) is refused for its declared size, not after the memory is spent.

- `.npz`: the shape and dtype in each member's `.npy` header (only the first bytes of each
  member are inflated).
- PNG: the IHDR chunk; JPEG: the first start-of-frame segment.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass

import numpy as np
from numpy.lib import format as fmt

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
JPEG_NO_LENGTH = {0x01, *range(0xD0, 0xDA)}
_HEADER_READERS = {(1, 0): fmt.read_array_header_1_0, (2, 0): fmt.read_array_header_2_0}


class HeaderError(ValueError):
    """The header cannot be read or declares something unusable (the message says what)."""


@dataclass(frozen=True)
class ArrayHeader:
    """One `.npy` member: its name (without `.npy`), shape and dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.float64)) * self.dtype.itemsize


def npz_headers(data: bytes) -> list[ArrayHeader]:
    """The arrays an `.npz` declares, without inflating them.

    Raises:
        HeaderError: not a zip of `.npy` files, an unreadable header, or an object (pickled) array.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise HeaderError(f"not an .npz (zip) file: {exc}") from None
    headers = []
    with archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            name = info.filename[: -len(".npy")]
            try:
                with archive.open(info) as member:
                    version = fmt.read_magic(member)
                    reader = _HEADER_READERS.get(version, fmt.read_array_header_2_0)
                    shape, _fortran, dtype = reader(member, max_header_size=10_000)
            except (ValueError, OSError, zipfile.BadZipFile, EOFError, SyntaxError) as exc:
                raise HeaderError(f"array {name!r}: unreadable header ({exc})") from None
            if dtype.hasobject:
                raise HeaderError(f"array {name!r} holds Python objects; only numeric arrays are accepted")
            if any(not isinstance(d, int) or d < 0 for d in shape):
                raise HeaderError(f"array {name!r}: invalid shape {shape}")
            headers.append(ArrayHeader(name, tuple(shape), dtype))
    return headers


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) a PNG or JPEG declares; None for other formats (or no size found).

    Raises:
        HeaderError: a PNG or JPEG whose header is cut short.
    """
    if data.startswith(PNG_SIGNATURE):
        if len(data) < 24 or data[12:16] != b"IHDR":
            raise HeaderError("a PNG without its IHDR header")
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in JPEG_NO_LENGTH:
            i += 2
            continue
        if marker == 0xDA:  # start of scan before any frame header
            return None
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in JPEG_SOF:
            if i + 9 > len(data):
                raise HeaderError("a JPEG whose frame header is cut short")
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        i += 2 + length
    return None
