"""Augmented views of the takes, run once through the frozen convolutional trunk.

Adapt retrains what comes after the trunk (LinearMap, the DTN with its RCM, the fusion
and the heads), so each view's trunk output [T, C5] per modality is computed once and
every epoch reads the cache: on a 2-core CPU the trunk is most of the network's cost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from model.capf import CrossModalFusionNetwork
from model.frp import frp_guidance
from model.preprocess import normalise_frames
from service.inference.depth import encode_depth
from service.inference.model_card import ModelCard
from training.data import ClipReader, ClipTransform, sample_indices
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
    """Frames of one take as the model sees them, augmented (training) or not (evaluation)."""

    def __init__(self, reader: ClipReader, card: ModelCard, augment: AugmentConfig, labels: list[str]) -> None:
        self.reader = reader
        self.card = card
        self.modalities = list(card.modalities)
        resize = max(augment.resize, card.resize)
        self.train_transform = ClipTransform(
            resize=(resize, resize), crop=card.height, rotate_deg=augment.rotate_deg, rotate_p=augment.rotate_p
        )
        self.eval_transform = ClipTransform(resize=(card.resize, card.resize), crop=card.height)
        self.strong = StrongAugment.build(augment, labels, card.depth_encoding, card.depth_near_mm, card.depth_far_mm)

    def frames(self, i: int, rng: np.random.Generator | None) -> dict[str, np.ndarray]:
        """Take `i` as uint8 [T, S, S, 3] per modality; `rng` None gives the evaluation view."""
        n = self.reader.entry(i).frames
        train = rng is not None
        idx = sample_indices(n, self.card.frames, train=train, rng=rng)
        transform = self.eval_transform
        if rng is not None:
            idx = self.strong.frame_indices(idx, n, rng)
            transform = self.strong.transform(self.train_transform, rng)
        clip = self.reader.load(i, idx)
        params = transform.sample_params(rng, train=train)
        rgb, depth = transform.apply_pair(
            clip.rgb if "rgb" in self.modalities else None, clip.depth if "depth" in self.modalities else None, params
        )
        if rng is not None:
            rgb, depth = self.strong.pixels(rgb, depth, rng)
        out = {}
        if rgb is not None:
            out["rgb"] = np.ascontiguousarray(rgb)
        if depth is not None:
            c = self.card
            out["depth"] = np.ascontiguousarray(encode_depth(depth, c.depth_encoding, c.depth_near_mm, c.depth_far_mm))
        return out


def _branches(net: Network) -> dict[str, torch.nn.Module]:
    if isinstance(net, CrossModalFusionNetwork):
        return {"rgb": net.Modalit_rgb, "depth": net.Modalit_depth}
    return {"single": net}


@torch.no_grad()
def trunk_features(net: Network, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """uint8 [B, T, S, S, 3] per modality -> float [B, T, C5] per modality (eval mode)."""
    out = {}
    for modality, frames in batch.items():
        branch = _branches(net).get(modality) or _branches(net)["single"]
        x = normalise_frames(frames)
        guidance = frp_guidance(x, net.cfg.frp_window) if branch.use_frp else None
        out[modality] = branch.pooled(x, guidance)
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
        frames: dict[str, list[np.ndarray]] = {}
        for c, v in chunk:
            rng = np.random.default_rng([seed, c, v]) if views_per_clip > 0 else None
            for modality, array in maker.frames(c, rng).items():
                frames.setdefault(modality, []).append(array)
            labels.append(maker.reader.entry(c).label)
            origin.append(c)
        tensors = {m: torch.from_numpy(np.stack(a)) for m, a in frames.items()}
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
