"""The adapt benchmark's control: the same takes trained from random weights, same network,
same augmentation, same time budget, to show what starting from the base model buys.

Every layer trains (there is no trained trunk to freeze), on augmented clips read afresh
each epoch; the learning rate follows a cosine over the time budget rather than over a
number of epochs, so the run ends annealed whenever the budget ends.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from model import build_model
from training.adapt.onnx_weights import read_network
from training.adapt.run import CONFIG
from training.adapt.takes import load_takes
from training.adapt.views import ViewMaker
from training.evaluation.clips import evaluate, torch_predictor
from training.steps import forward_batch
from training.train_config import load_train_config

DISTILL_FROM = 0.25  # share of the budget before the recoupling distillation starts (as the recipe's warm-up)


@dataclass(frozen=True)
class ScratchResult:
    """Top-1 on the evaluation takes, epochs run, seconds of training and of the whole run."""

    top1: float
    eval_clips: int
    epochs: int
    train_seconds: float
    seconds: float


def train_from_scratch(base: Path, train_dir: Path, eval_dir: Path, minutes: float, seed: int = 0) -> ScratchResult:
    """Train the base model's architecture (its config and modalities, random weights) on
    the takes in `train_dir` for `minutes`, then score it on `eval_dir` as `gesture
    evaluate` scores a model."""
    t0 = time.monotonic()
    base_net, base_card = read_network(base)
    takes = load_takes(train_dir, base_card.modalities)
    card = dataclasses.replace(base_card, labels=takes.labels)
    cfg = load_train_config(CONFIG)
    torch.manual_seed(seed)
    modalities = "rgbd" if len(card.modalities) == 2 else card.modalities[0]
    net = build_model(base_net.cfg.with_(num_classes=len(takes.labels)), modalities)  # type: ignore[arg-type]
    del base_net
    data = ViewMaker(takes.reader, card, cfg.augment, takes.labels).augmented
    data.seed = seed
    optimizer = torch.optim.AdamW(net.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    budget = minutes * 60.0
    start = time.monotonic()
    epochs = 0
    while time.monotonic() - start < budget:
        data.set_epoch(epochs)
        batch_size = min(cfg.optim.batch_size, len(data))  # whole batches only: batch norm cannot train on one clip
        loader = DataLoader(data, batch_size=batch_size, shuffle=True, num_workers=1, drop_last=True)
        net.train()
        for batch in loader:
            done = min(1.0, (time.monotonic() - start) / budget)
            if done >= 1.0:
                break
            o = cfg.optim
            for group in optimizer.param_groups:
                group["lr"] = o.lr_min + 0.5 * (o.lr - o.lr_min) * (1 + math.cos(math.pi * done))
            _, terms = forward_batch(net, batch, modalities, 1.0 if done >= DISTILL_FROM else 0.0)
            optimizer.zero_grad(set_to_none=True)
            terms.total.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), cfg.optim.grad_clip)
            optimizer.step()
        epochs += 1
    train_seconds = time.monotonic() - start
    net.eval()
    predictor = (card, torch_predictor(net, card))
    report, _ = evaluate(Path("from-scratch"), eval_dir, split="all", progress=False, predictor=predictor)
    return ScratchResult(report.top1, report.count, epochs, train_seconds, time.monotonic() - t0)
