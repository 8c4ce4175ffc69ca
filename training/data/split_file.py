"""Official split files: one clip per line, `name frames label`, space separated."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from .clip import LayoutError, MissingFileError


class SplitEntry(NamedTuple):
    """One line of a split file: clip name, frame count and class id."""

    name: str
    frames: int
    label: int


def parse_split_line(line: str, path: Path, lineno: int) -> SplitEntry:
    """Parses `name frames label` (the name may itself contain spaces).

    Raises:
        LayoutError: fewer than three fields, non-integer frames/label, or negative values;
            the message names the file and 1-based line number.
    """
    fields = line.rsplit(None, 2)
    if len(fields) != 3:
        raise LayoutError(f"{path}:{lineno}: expected 'name frames label', got {line.strip()!r}")
    name, frames_s, label_s = fields
    try:
        frames, label = int(frames_s), int(label_s)
    except ValueError:
        raise LayoutError(f"{path}:{lineno}: frames and label must be integers, got {line.strip()!r}") from None
    if frames < 0 or label < 0:
        raise LayoutError(f"{path}:{lineno}: frames and label must be >= 0, got {line.strip()!r}")
    return SplitEntry(name, frames, label)


def read_split_file(path: Path) -> list[SplitEntry]:
    """All entries of a split file; blank lines are skipped.

    Raises:
        MissingFileError: no such file.
        LayoutError: a malformed line (file and line number in the message).
    """
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"split file not found: {path}")
    entries = []
    for lineno, line in enumerate(path.read_text().splitlines(), start=1):
        if line.strip():
            entries.append(parse_split_line(line, path, lineno))
    return entries
