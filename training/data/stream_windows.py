"""Training windows cut from continuous streams with ground truth (`gesture synth --streams`).

Isolated clips never show what happens between gestures in a stream: the hand resting
after a gesture, leaving the view and coming back somewhere else. A streaming classifier
sees exactly that in its windows and must answer `no_gesture` there. Each window of
`window` frames, every `stride` frames, is labelled as a streaming model should answer:

- the gesture it holds at least `cover` of (the fraction of the gesture's frames inside);
- `no_gesture` when no gesture is more than `partial` inside it;
- left out otherwise (a gesture half inside is ambiguous).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .clip import MissingFileError, RawClip
from .readers import ClipReader
from .split_file import SplitEntry

NO_GESTURE = 0


def window_label(start: int, window: int, events: list[dict], cover: float, partial: float) -> int | None:
    """The label of frames start..start+window-1 (None: ambiguous, leave it out)."""
    end = start + window - 1
    best, best_frac = None, 0.0
    for g in events:
        overlap = min(end, g["end"]) - max(start, g["start"]) + 1
        frac = max(0, overlap) / (g["end"] - g["start"] + 1)
        if frac > best_frac:
            best, best_frac = int(g["label"]), frac
    if best_frac >= cover:
        return best
    if best_frac <= partial:
        return NO_GESTURE
    return None


class StreamWindowDataset(ClipReader):
    """Labelled windows of every `streams/*.npz` (+ `.json`) under `root`.

    Streams are read once and kept in memory (a few hundred MB for tens of streams).
    """

    def __init__(
        self,
        root: Path,
        window: int = 48,
        stride: int = 8,
        cover: float = 0.8,
        partial: float = 0.3,
        modalities: Sequence[str] = ("rgb", "depth"),
    ) -> None:
        folder = Path(root) / "streams"
        self.paths = sorted(folder.glob("*.npz"))
        if not self.paths:
            raise MissingFileError(f"no streams (streams/*.npz with .json ground truth) under {root}")
        self.window, self.modalities = window, tuple(modalities)
        self._cache: dict[int, dict[str, np.ndarray]] = {}
        self._starts: list[tuple[int, int]] = []  # (stream index, first frame)
        self.entries = []
        for s, path in enumerate(self.paths):
            meta_path = path.with_suffix(".json")
            if not meta_path.is_file():
                raise MissingFileError(f"ground truth missing for {path}: expected {meta_path}")
            meta = json.loads(meta_path.read_text())
            for start in range(0, int(meta["frames"]) - window + 1, stride):
                label = window_label(start, window, meta["events"], cover, partial)
                if label is not None:
                    self._starts.append((s, start))
                    self.entries.append(SplitEntry(f"{path.stem}@{start}", window, label))

    def _stream(self, s: int) -> dict[str, np.ndarray]:
        if s not in self._cache:
            with np.load(self.paths[s], allow_pickle=False) as z:
                self._cache[s] = {m: z[m] for m in self.modalities}
        return self._cache[s]

    def load(self, i: int, indices: Sequence[int] | None = None) -> RawClip:
        entry = self.entry(i)
        s, start = self._starts[i]
        frames = np.arange(self.window) if indices is None else np.asarray(indices)
        arrays = self._stream(s)
        picked = {m: arrays[m][start + frames] for m in self.modalities}
        return RawClip(picked.get("rgb"), picked.get("depth"), entry.label, entry.name)


class ConcatClips(ClipReader):
    """Several readers as one (entries in order)."""

    def __init__(self, parts: Sequence[ClipReader]) -> None:
        self.parts = list(parts)
        self.entries = [e for p in self.parts for e in p.entries]
        self._where = [(k, j) for k, p in enumerate(self.parts) for j in range(len(p))]

    def load(self, i: int, indices: Sequence[int] | None = None) -> RawClip:
        k, j = self._where[i]
        return self.parts[k].load(j, indices)
