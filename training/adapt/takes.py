"""A user's takes for `gesture adapt`: every clip of a folder in any reader layout, their
vocabulary, checks that they suit the base model, and the stratified held-out split."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.clip_dataset import class_names
from training.data import ClipReader, open_dataset
from training.data.autodetect import detect_layout
from training.data.clip import DatasetError
from training.data.stream_windows import ConcatClips

MIN_TAKES = 2  # per class: one take cannot be both learned from and told apart from noise
HOLD_OUT_FROM = 4  # every class needs this many takes before one is held out
HOLD_OUT_SHARE = 0.2
MIN_SIDE = 16  # smallest frame side adapt accepts (the model crops 112 px and more from it)


class TakesError(ValueError):
    """The takes cannot be adapted to (the message is one line that says why)."""


@dataclass(frozen=True)
class Takes:
    """The clips of a folder as one reader.

    Attributes:
        reader: every clip (all splits of split-file layouts).
        labels: class names by id, the new vocabulary.
        counts: takes per class name.
        digest: sha256 over the clips' index (name, label, frame count), for the model card.
    """

    reader: ClipReader
    labels: list[str]
    counts: dict[str, int]  # by class name
    digest: str


def _all_splits(root: Path, modalities: tuple[str, ...]) -> ClipReader:
    """Every clip of `root`: npz folders have no splits; the others are read train + valid."""
    layout = detect_layout(root)
    if layout == "npz":
        return open_dataset(root, modalities=modalities)
    parts, seen = [], set()
    for split in ("train", "valid"):
        try:
            part = open_dataset(root, split=split, modalities=modalities)
        except DatasetError:
            if split == "train":
                raise
            continue
        keep = [i for i, e in enumerate(part.entries) if e.name not in seen]
        seen.update(part.entries[i].name for i in keep)
        if len(keep) < len(part.entries):
            part.entries = [part.entries[i] for i in keep]  # recorder: unsplit clips are in both
        parts.append(part)
    return ConcatClips(parts)


def load_takes(root: Path, modalities: list[str]) -> Takes:
    """Read and check the takes of `root` for a base model that takes `modalities`.

    Raises:
        TakesError: no folder, no clips, an unreadable clip, a class with a single take,
            a clip without a modality the model needs, frames too small.
    """
    root = Path(root)
    if not root.is_dir():
        raise TakesError(f"no such folder: {root}")
    try:
        reader = _all_splits(root, tuple(modalities))
    except DatasetError as exc:
        raise TakesError(str(exc)) from None
    if len(reader) == 0:
        raise TakesError(f"{root}: no clips found")
    # ids stay the data's own, so `gesture evaluate` on other takes of the same layout matches
    labels = class_names(root, reader)
    counts = Counter(labels[e.label] for e in reader.entries)
    if len(counts) < 2:
        raise TakesError(f"{root}: takes of {len(counts)} class; adapt needs at least 2 classes")
    empty = [name for name in labels if counts[name] == 0]
    if empty:
        raise TakesError(
            f"{root}: class {empty[0]!r} (id {labels.index(empty[0])}) has no takes; record some or drop it"
        )
    single = sorted(name for name, n in counts.items() if n < MIN_TAKES)
    if single:
        raise TakesError(
            f"{root}: class {single[0]!r} has a single take; record at least {MIN_TAKES} per class"
            + (f" ({len(single)} classes have one)" if len(single) > 1 else "")
        )
    _check_first_clip(reader, modalities)
    index = "\n".join(f"{e.name},{e.label},{e.frames}" for e in reader.entries)
    digest = hashlib.sha256(index.encode()).hexdigest()
    return Takes(reader, labels, {name: counts[name] for name in labels}, digest)


def _check_first_clip(reader: ClipReader, modalities: list[str]) -> None:
    """Load one frame of the first clip: the right modalities, a usable size."""
    first = reader.entry(0)
    try:
        clip = reader.load(0, [0])
    except DatasetError as exc:
        raise TakesError(f"clip {first.name!r} is unreadable: {exc}") from None
    for modality in modalities:
        frames = getattr(clip, modality)
        if frames is None:
            raise TakesError(
                f"clip {first.name!r} has no {modality} frames, and the base model takes {'+'.join(modalities)}"
            )
        h, w = frames.shape[1:3]
        if min(h, w) < MIN_SIDE:
            raise TakesError(f"clip {first.name!r}: {modality} frames are {w}x{h}, adapt needs at least {MIN_SIDE} px")


@dataclass(frozen=True)
class Split:
    """Clip indices for training and for the held-out report; `note` says how it was chosen."""

    train: list[int]
    held_out: list[int]
    note: str


def stratified_split(labels: list[int], names: list[str], seed: int = 0, share: float = HOLD_OUT_SHARE) -> Split:
    """Hold out `share` of each class's takes (at least one) when every class has at least
    `HOLD_OUT_FROM` takes; otherwise hold out none and say so."""
    by_class: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    fewest = min(len(v) for v in by_class.values())
    if share <= 0:
        return Split(list(range(len(labels))), [], "no takes held out (--hold-out 0)")
    if fewest < HOLD_OUT_FROM:
        poor = min(by_class, key=lambda k: len(by_class[k]))
        return Split(
            list(range(len(labels))),
            [],
            f"no takes held out: class {names[poor]!r} has {fewest} takes, fewer than the {HOLD_OUT_FROM} "
            "needed to keep one aside; trained on all, for a fixed schedule, with no held-out accuracy",
        )
    rng = np.random.default_rng(seed)
    train, held = [], []
    for label in sorted(by_class):
        idx = list(by_class[label])
        rng.shuffle(idx)
        k = max(1, int(round(share * len(idx))))
        held += idx[:k]
        train += idx[k:]
    return Split(sorted(train), sorted(held), f"held out {len(held)} of {len(labels)} takes ({share:.0%} per class)")
