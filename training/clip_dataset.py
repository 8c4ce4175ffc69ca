"""The torch Dataset of training: a reader's clips, temporally sampled, augmented
identically for both modalities, depth encoded to the model's 8-bit input."""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from model.config import get_profile
from service.inference.depth import encode_depth
from training.data import ClipReader, ClipTransform, open_dataset, sample_indices
from training.data.augmentation.strong import StrongAugment
from training.data.stream_windows import ConcatClips, StreamWindowDataset
from training.train_config import TrainConfig


def class_names(root: Path, reader: ClipReader) -> list[str]:
    """Class names by id: `labels.txt` (one per line) or the `name` column of `labels.csv`,
    else `class_<id>` up to the largest id seen."""
    root = Path(root)
    if (root / "labels.txt").is_file():
        return [ln.strip() for ln in (root / "labels.txt").read_text().splitlines() if ln.strip()]
    if (root / "labels.csv").is_file():
        names: dict[int, str] = {}
        with open(root / "labels.csv", newline="") as f:
            for row in csv.DictReader(f):
                if row.get("name"):
                    names[int(row["label"])] = row["name"]
        if names:
            return [names.get(i, f"class_{i}") for i in range(max(names) + 1)]
    top = max(reader.labels, default=-1)
    return [f"class_{i}" for i in range(top + 1)]


class ClipDataset(Dataset):
    """Items: {"rgb"/"depth": uint8 [T, S, S, 3], "label": int64 []}.

    Randomness (temporal sampling, augmentation) is seeded by (seed, epoch, index), so a
    run is reproducible whatever the number of loader workers, and resumes exactly.
    """

    def __init__(
        self,
        reader: ClipReader,
        labels: list[str],
        modalities: list[str],
        frames: int,
        transform: ClipTransform,
        train: bool,
        depth_encoding: str,
        near_mm: float,
        far_mm: float,
        seed: int = 0,
        strong: StrongAugment | None = None,
    ) -> None:
        self.reader = reader
        self.labels = labels
        self.modalities = modalities
        self.frames = frames
        self.transform = transform
        self.train = train
        self.depth = (depth_encoding, near_mm, far_mm)
        self.seed = seed
        self.epoch = 0
        self.strong = strong if train else None  # strong augmentation (training only)

    def __len__(self) -> int:
        return len(self.reader)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.epoch, i]) if self.train else None
        # its own stream, so strong ops leave the draws of sampling and the clip transform as they were
        aug_rng = np.random.default_rng([self.seed, self.epoch, i, 1]) if self.strong is not None else None
        n = self.reader.entry(i).frames
        idx = sample_indices(n, self.frames, train=self.train, rng=rng)
        if self.strong is not None and aug_rng is not None:
            idx = self.strong.frame_indices(idx, n, aug_rng)
        clip = self.reader.load(i, idx)
        label = clip.label
        if self.strong is not None and aug_rng is not None:
            backwards = self.strong.reversed_label(label, aug_rng)
            if backwards is not None:  # the sampled frames in reverse order, the partner's label
                clip = dataclasses.replace(
                    clip,
                    rgb=None if clip.rgb is None else np.ascontiguousarray(clip.rgb[::-1]),
                    depth=None if clip.depth is None else np.ascontiguousarray(clip.depth[::-1]),
                )
                label = backwards
        transform = self.transform
        if self.strong is not None and aug_rng is not None:
            transform = self.strong.transform(transform, aug_rng)  # scale jitter
        params = transform.sample_params(rng, train=self.train)
        rgb, depth = transform.apply_pair(
            clip.rgb if "rgb" in self.modalities else None, clip.depth if "depth" in self.modalities else None, params
        )
        if self.strong is not None and aug_rng is not None:
            label = self.strong.label(label, params)
            rgb, depth = self.strong.pixels(rgb, depth, aug_rng)
        item: dict[str, torch.Tensor] = {"label": torch.tensor(label, dtype=torch.int64)}
        if rgb is not None:
            item["rgb"] = torch.from_numpy(np.ascontiguousarray(rgb))
        if depth is not None:
            item["depth"] = torch.from_numpy(np.ascontiguousarray(encode_depth(depth, *self.depth)))
        return item


def make_dataset(cfg: TrainConfig, split: str, train: bool, extra_modality: str | None = None) -> ClipDataset:
    """The dataset of a run's split (readers auto-detect the layout unless configured).

    `extra_modality` also loads the other modality of each pair (for a feature teacher)."""
    modalities = ["rgb", "depth"] if cfg.modalities == "rgbd" else [cfg.modalities]
    if extra_modality and extra_modality not in modalities:
        modalities = sorted([*modalities, extra_modality], key=["rgb", "depth"].index)
    model_cfg = get_profile(cfg.profile)
    root = Path(cfg.data.root)
    reader = open_dataset(root, layout=cfg.data.layout, split=split, modalities=tuple(modalities))
    if train and cfg.data.streams:
        windows = StreamWindowDataset(
            Path(cfg.data.streams), cfg.data.stream_window, cfg.data.stream_stride, modalities=modalities
        )
        reader = ConcatClips([reader, windows])
    a = cfg.augment
    transform = ClipTransform(
        resize=(a.resize, a.resize), crop=model_cfg.size, rotate_deg=a.rotate_deg, rotate_p=a.rotate_p, flip_p=a.flip_p
    )
    names = class_names(root, reader)
    d = cfg.data
    strong = StrongAugment.build(a, names, d.depth_encoding, d.depth_near_mm, d.depth_far_mm) if train else None
    return ClipDataset(
        reader,
        names,
        modalities,
        model_cfg.frames,
        transform,
        train,
        cfg.data.depth_encoding,
        cfg.data.depth_near_mm,
        cfg.data.depth_far_mm,
        cfg.seed,
        strong,
    )
