"""Fine-tuning on cached trunk features: what to retrain, the loop, early stopping, a time
budget and a progress bar."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from model.capf import CrossModalFusionNetwork
from training.adapt.views import Views
from training.adapt.vocabulary import class_parameters
from training.train_config import OptimConfig

# How much of the network a run retrains, from the takes per class it trains on.
PARTS = ("head", "temporal")
# Fewer training takes per class than this: the class rows only. On the adapt bench (a style
# the base never saw, BENCHMARKS.md "Adapt") retraining everything after the trunk on 3-4
# training takes per class lost 0-12 points against the class rows alone, on known classes
# and on new names alike; with 8 (10 takes, 2 held out) it is the default again.
HEAD_ONLY_BELOW = 8
PATIENCE = 12  # epochs without a better held-out score before stopping
FIXED_EPOCHS = 30  # without held-out takes: a fixed schedule


def choose_parts(takes_per_class: int) -> str:
    """`head` (the class rows of the heads) below `HEAD_ONLY_BELOW` training takes per
    class, else `temporal`: everything after the convolutional trunk (LinearMap, the DTN
    with its RCM, the CAPF fusion and the heads)."""
    return "head" if takes_per_class < HEAD_ONLY_BELOW else "temporal"


def trainable(net: nn.Module, parts: str) -> list[str]:
    """Names of the parameters `parts` retrains (the others are frozen)."""
    if parts == "head":
        return class_parameters(net)  # type: ignore[arg-type]
    if parts != "temporal":
        raise ValueError(f"unknown parts {parts!r}: {', '.join(PARTS)}")
    trunk_free = (
        "LinearMap.",
        "dtn.",
        "crossFusion",
        "classifier",
        "fusion_model.encoder",
        "fusion_model.efc",
        "hand_tone.",
    )
    return [n for n, _ in net.named_parameters() if any(t in n for t in trunk_free)]


def head_forward(net: nn.Module, feats: dict[str, torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """Cached trunk outputs [B, T, C5] per modality (and `tone` [B, T] for a network with the
    hand-tone head) -> logits [B, K] and auxiliary logits (each modality's head for RGB-D,
    each DTN branch for one modality)."""
    if isinstance(net, CrossModalFusionNetwork):
        s_rgb = net.Modalit_rgb.LinearMap(feats["rgb"])
        s_depth = net.Modalit_depth.LinearMap(feats["depth"])
        out = net.fuse(s_rgb, s_depth, feats.get("tone"))
        return out.logits, [out.rgb_logits, out.depth_logits]
    (x,) = feats.values()
    temporal = net.temporal(net.LinearMap(x))  # type: ignore[operator]
    logits, branches = net.dtn.heads(temporal.branch_features)  # type: ignore[union-attr]
    return logits, list(branches)


def _set_mode(net: nn.Module, train: bool) -> None:
    """Dropout and sampling follow `train`; batch norms stay in eval mode (their statistics
    are folded into the base model's graph and a handful of takes must not move them)."""
    net.train(train)
    for module in net.modules():
        if isinstance(module, nn.modules.batchnorm._BatchNorm):
            module.eval()


@torch.no_grad()
def predict(net: nn.Module, views: Views, batch: int = 64) -> np.ndarray:
    """Logits [N, K] of cached views (eval mode)."""
    _set_mode(net, False)
    out = []
    for start in range(0, len(views), batch):
        logits, _ = head_forward(net, {m: f[start : start + batch] for m, f in views.features.items()})
        out.append(logits)
    return torch.cat(out).numpy() if out else np.zeros((0, 0), np.float32)


def _held_score(net: nn.Module, held_views: Views) -> tuple[float, float]:
    """(top-1, minus the cross-entropy) on the held-out views: higher is better."""
    logits = predict(net, held_views)
    acc = float((logits.argmax(1) == held_views.labels.numpy()).mean())
    return acc, -float(F.cross_entropy(torch.from_numpy(logits), held_views.labels))


@dataclass(frozen=True)
class FitResult:
    """What the loop did: epochs run, the best epoch (the last without held-out takes; 0
    when no epoch beat the starting weights on the held-out takes, which are then kept),
    why it stopped, and the seconds it took."""

    epochs: int
    best_epoch: int
    stopped: str
    seconds: float


def fit(
    net: nn.Module,
    train_views: Views,
    held_views: Views | None,
    parts: str,
    optim: OptimConfig,
    deadline: float,
    seed: int = 0,
    progress: bool = True,
    epochs: int | None = None,
    desc: str = "adapting",
) -> FitResult:
    """Fine-tune `net` in place on cached views; it ends holding the best epoch's weights.

    Args:
        parts: `head` or `temporal` (see `trainable`).
        optim: AdamW settings; `epochs` is the most it runs and the length of the cosine.
        deadline: `time.monotonic()` value at which training stops, best weights kept.
        epochs: run exactly this many epochs of that cosine (a refit on every take with the
            epoch count early stopping chose); None: up to `optim.epochs`, early stopping
            on `held_views` when given, else `FIXED_EPOCHS`.

    With held-out takes the starting weights (the base model re-headed) are a candidate
    too: an epoch replaces them only by scoring better on the held-out takes.
    """
    t0 = time.monotonic()
    torch.manual_seed(seed)
    names = set(trainable(net, parts))
    params = []
    for name, p in net.named_parameters():
        p.requires_grad_(name in names)
        if name in names:
            params.append(p)
    opt = torch.optim.AdamW(params, lr=optim.lr, weight_decay=optim.weight_decay)
    has_held = held_views is not None and len(held_views) > 0
    horizon = optim.epochs if has_held or epochs is not None else min(optim.epochs, FIXED_EPOCHS)
    epochs = horizon if epochs is None else max(1, min(epochs, horizon))
    steps = max(1, math.ceil(len(train_views) / optim.batch_size))
    lr_at = lambda e: optim.lr_min + 0.5 * (optim.lr - optim.lr_min) * (1 + math.cos(math.pi * e / horizon))  # noqa: E731
    best_state, best_epoch, best_score = None, 0, (-1.0, 0.0)
    if has_held:
        assert held_views is not None
        best_state, best_score = copy.deepcopy(net.state_dict()), _held_score(net, held_views)
    ran = 0
    stopped = "schedule done"
    generator = torch.Generator().manual_seed(seed)
    bar = tqdm(total=epochs, desc=f"{desc} ({parts})", unit="epoch", disable=not progress)
    for epoch in range(1, epochs + 1):
        if time.monotonic() >= deadline:
            stopped = "time budget reached"
            break
        for group in opt.param_groups:
            group["lr"] = lr_at(epoch - 1)
        _set_mode(net, True)
        order = torch.randperm(len(train_views), generator=generator)
        total = 0.0
        for s in range(steps):
            idx = order[s * optim.batch_size : (s + 1) * optim.batch_size]
            feats = {m: f[idx] for m, f in train_views.features.items()}
            logits, aux = head_forward(net, feats)
            target = train_views.labels[idx]
            loss = F.cross_entropy(logits, target, label_smoothing=0.1)
            loss = loss + 0.5 * sum(F.cross_entropy(a, target, label_smoothing=0.1) for a in aux) / len(aux)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, optim.grad_clip)
            opt.step()
            total += loss.item()
        ran = epoch
        bar.update(1)
        if not has_held:
            best_epoch = epoch  # the last epoch is the model
            bar.set_postfix(loss=f"{total / steps:.3f}")
            continue
        assert held_views is not None
        score = _held_score(net, held_views)
        acc = score[0]
        if score > best_score:
            best_state, best_epoch, best_score = copy.deepcopy(net.state_dict()), epoch, score
        elif epoch - best_epoch >= PATIENCE:
            stopped = f"early stop: no better held-out score for {PATIENCE} epochs"
            break
        bar.set_postfix(loss=f"{total / steps:.3f}", held=f"{acc:.0%}", best=f"{best_score[0]:.0%}")
    bar.close()
    if best_state is not None:
        net.load_state_dict(best_state)
    for p in net.parameters():
        p.requires_grad_(True)
    _set_mode(net, False)
    return FitResult(epochs=ran, best_epoch=best_epoch, stopped=stopped, seconds=time.monotonic() - t0)
