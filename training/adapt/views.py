"""Augmented views of the takes, run once through the frozen convolutional trunk.

Adapt retrains what comes after the trunk (LinearMap, the DTN with its RCM, the fusion
and the heads), so each view's trunk output [T, C5] per modality is computed once and
every epoch reads the cache: on a 2-core CPU the trunk is most of the network's cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from tqdm import tqdm

from model.capf import CrossModalFusionNetwork
from model.frp import frp_guidance
from model.preprocess import normalise_frames
from service.inference.model_card import ModelCard
from training.clip_dataset import ClipDataset
from training.data import ClipReader, ClipTransform
from training.data.augmentation.strong import StrongAugment
from training.train_config import AugmentConfig

Network = torch.nn.Module


@dataclass
class Views:
    """Cached trunk outputs.

    Attributes:
        features: per modality, float32 [N, T, C5].
        labels: int64 [N].
        clip: int64 [N], the take each view came from.
    """

    features: dict[str, torch.Tensor]
    labels: torch.Tensor
    clip: torch.Tensor

    def __len__(self) -> int:
        return int(self.labels.numel())


class ViewMaker:
    """The takes as the model sees them: `ClipDataset`s of the reader, one augmented (view
    `v` of take `c` is its item `c` at epoch `v`) and one with the evaluation transform."""

    def __init__(self, reader: ClipReader, card: ModelCard, augment: AugmentConfig, labels: list[str]) -> None:
        self.reader = reader
        resize = max(augment.resize, card.resize)
        train_transform = ClipTransform(
            resize=(resize, resize), crop=card.height, rotate_deg=augment.rotate_deg, rotate_p=augment.rotate_p
        )
        eval_transform = ClipTransform(resize=(card.resize, card.resize), crop=card.height)
        depth = (card.depth_encoding, card.depth_near_mm, card.depth_far_mm)
        strong = StrongAugment.build(augment, labels, *depth)
        common = (reader, labels, list(card.modalities), card.frames)
        self.augmented = ClipDataset(*common, train_transform, True, *depth, strong=strong)
        self.plain = ClipDataset(*common, eval_transform, False, *depth)

    def frames(self, i: int, view: int | None, seed: int) -> dict[str, torch.Tensor]:
        """Take `i` as uint8 [T, S, S, 3] per modality: augmented view `view` (with `seed`),
        or the evaluation view for None."""
        if view is None:
            item = self.plain[i]
        else:
            self.augmented.seed = seed
            self.augmented.set_epoch(view)
            item = self.augmented[i]
        return {k: v for k, v in item.items() if k != "label"}


def _branch(net: Network, modality: str) -> torch.nn.Module:
    """The unimodal network of `modality` (the network itself when it has one modality)."""
    if isinstance(net, CrossModalFusionNetwork):
        return getattr(net, f"Modalit_{modality}")
    return net


@torch.no_grad()
def trunk_features(net: Network, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """uint8 [B, T, S, S, 3] per modality -> float [B, T, C5] per modality (eval mode), and
    the hand tones [B, T] as `tone` for a network with the hand-tone head."""
    out = {}
    for modality, frames in batch.items():
        branch = _branch(net, modality)
        x = normalise_frames(frames)
        guidance = frp_guidance(x, net.cfg.frp_window) if branch.use_frp else None
        out[modality] = branch.pooled(x, guidance)
    if isinstance(net, CrossModalFusionNetwork) and net.hand_tone is not None:
        tone = net.frame_tones(batch["rgb"], batch["depth"])
        assert tone is not None
        out["tone"] = tone
    return out


def make_views(
    maker: ViewMaker,
    net: Network,
    clips: list[int],
    views_per_clip: int,
    seed: int,
    desc: str,
    batch: int = 8,
    progress: bool = True,
    stop: Callable[[], bool] | None = None,
) -> Views:
    """`views_per_clip` augmented views of each clip (0: one evaluation view each), through
    the trunk. `stop()` true ends early (a time budget); the views made so far are kept,
    whole rounds only, so every clip keeps the same number of views."""
    net.eval()
    plan = [(c, v) for v in range(max(1, views_per_clip)) for c in clips]  # round by round
    feats: dict[str, list[torch.Tensor]] = {}
    labels, origin = [], []
    done = 0
    bar = tqdm(total=len(plan), desc=desc, unit="view", disable=not progress, leave=False)
    for start in range(0, len(plan), batch):
        if stop is not None and stop() and done >= len(clips):
            break
        chunk = plan[start : start + batch]
        frames: dict[str, list[torch.Tensor]] = {}
        for c, v in chunk:
            for modality, clip in maker.frames(c, v if views_per_clip > 0 else None, seed).items():
                frames.setdefault(modality, []).append(clip)
            labels.append(maker.reader.entry(c).label)
            origin.append(c)
        tensors = {m: torch.stack(a) for m, a in frames.items()}
        for modality, f in trunk_features(net, tensors).items():
            feats.setdefault(modality, []).append(f)
        done += len(chunk)
        bar.update(len(chunk))
    bar.close()
    keep = (done // len(clips)) * len(clips)  # whole rounds
    return Views(
        {m: torch.cat(f)[:keep] for m, f in feats.items()},
        torch.tensor(labels[:keep], dtype=torch.int64),
        torch.tensor(origin[:keep], dtype=torch.int64),
    )
