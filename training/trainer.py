"""The training loop: SGD + warm-up + cosine, gradient clipping, AMP on CUDA, DDP under
torchrun, a checkpoint every epoch, exact resume, best-model tracking, progress bars and a
JSON-lines metrics log."""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from tqdm import tqdm

from model.build import build_model
from model.capf import CrossModalFusionNetwork
from model.config import get_profile
from model.dtn import sharpness_temperature
from model.unimodal import UnimodalNetwork
from training.checkpoint import (
    load_checkpoint,
    load_unimodal_into,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from training.clip_dataset import ClipDataset, make_dataset
from training.data.augmentation.paired_reversal import with_reversed_copies
from training.distributed import DistContext, average_scalar, convert_sync_batchnorm, init_distributed, sum_tensor
from training.feature_teacher import FeatureTeacher
from training.onnx_init import classification_loss, freeze_batchnorm, is_onnx, network_from_onnx
from training.steps import forward_batch
from training.train_config import ConfigError, TrainConfig, config_to_dict

TEACHER_KEY = "teacher"


def lr_factor(step: int, total: int, warmup: int, lr: float, lr_min: float) -> float:
    """Multiplier of the base lr: linear warm-up, then cosine decay to lr_min."""
    if warmup > 0 and step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return (lr_min + (lr - lr_min) * cosine) / lr


def _loader(ds: ClipDataset, cfg: TrainConfig, ctx: DistContext, train: bool, epoch: int) -> DataLoader:
    sampler = (
        DistributedSampler(ds, ctx.world_size, ctx.rank, shuffle=train, seed=cfg.seed) if ctx.distributed else None
    )
    if sampler is not None:
        sampler.set_epoch(epoch)
    generator = torch.Generator().manual_seed(cfg.seed * 1000 + epoch)
    return DataLoader(
        ds,
        batch_size=cfg.optim.batch_size,
        shuffle=train and sampler is None,
        sampler=sampler,
        num_workers=cfg.data.num_workers,
        generator=generator,
        drop_last=train,
        persistent_workers=False,
    )


def build_network(cfg: TrainConfig, labels: list[str]) -> UnimodalNetwork | CrossModalFusionNetwork:
    """The network of the run; fusion branches initialised from unimodal checkpoints, or the
    whole network from a checkpoint or an ONNX export of ours (`training/onnx_init.py`)."""
    if is_onnx(cfg.init.checkpoint):
        return network_from_onnx(str(cfg.init.checkpoint), cfg.modalities, labels, cfg.profile)
    model_cfg = get_profile(cfg.profile).with_(num_classes=len(labels))
    net = build_model(model_cfg, cfg.modalities)
    if cfg.init.checkpoint:
        blob = load_checkpoint(Path(cfg.init.checkpoint))
        if blob["modalities"] != cfg.modalities:
            raise ConfigError(f"init.checkpoint is a {blob['modalities']} network, the run is {cfg.modalities}")
        net.load_state_dict(blob["model"])
        return net
    if isinstance(net, CrossModalFusionNetwork):
        for modality, path in (("rgb", cfg.init.rgb_checkpoint), ("depth", cfg.init.depth_checkpoint)):
            if path:
                load_unimodal_into(getattr(net, f"Modalit_{modality}"), Path(path), modality)
    return net


def evaluate_loader(
    net: torch.nn.Module,
    loader: DataLoader,
    modalities: str,
    ctx: DistContext,
    desc: str = "valid",
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Logits [N, K] and labels [N] over a loader (this rank's share)."""
    net.eval()
    all_logits, all_labels = [], []
    with torch.no_grad():
        for batch in tqdm(loader, desc=desc, leave=False, disable=not (progress and ctx.is_main)):
            batch = {k: v.to(ctx.device) for k, v in batch.items()}
            logits, _ = forward_batch(net, batch, modalities, distill_weight=0.0)
            all_logits.append(logits.float().cpu())
            all_labels.append(batch["label"].cpu())
    if not all_logits:
        return np.zeros((0, 0), np.float32), np.zeros((0,), np.int64)
    return torch.cat(all_logits).numpy(), torch.cat(all_labels).numpy()


class Trainer:
    """Runs one TrainConfig; `run()` returns the best validation top-1."""

    def __init__(self, cfg: TrainConfig, resume: bool = False, progress: bool = True) -> None:
        self.cfg = cfg
        self.progress = progress
        self.ctx = init_distributed(cfg.device)
        torch.manual_seed(cfg.seed)
        np.random.seed(cfg.seed)
        self.out = Path(cfg.out)
        teacher_modality = None
        if cfg.teacher.checkpoint:
            teacher_modality = str(load_checkpoint(Path(cfg.teacher.checkpoint))["modalities"])
        self.train_ds = make_dataset(cfg, cfg.data.train_split, train=True, extra_modality=teacher_modality)
        self.valid_ds = make_dataset(cfg, cfg.data.valid_split, train=False)
        for name, ds in (("training", self.train_ds), ("validation", self.valid_ds)):
            if len(ds) == 0:
                raise ConfigError(f"the {name} split of {cfg.data.root} has no clips")
        self.labels = self.train_ds.labels
        strong = self.train_ds.strong
        # label played backwards per label when each batch also trains on its clips reversed
        pairs = strong.reverse_map if strong is not None and cfg.augment.reverse_paired else ()
        self.paired_reversal = torch.tensor(pairs, dtype=torch.int64, device=self.ctx.device) if pairs else None
        net = build_network(cfg, list(self.labels)).to(self.ctx.device)
        # from ONNX: folded BatchNorms stay frozen, and only the classification terms train
        self.from_onnx = is_onnx(cfg.init.checkpoint)
        if self.ctx.distributed:
            net = convert_sync_batchnorm(net, self.ctx.device)
        self.net = net
        self.teacher = (
            FeatureTeacher(net, cfg, self.ctx.device)  # type: ignore[arg-type]
            if cfg.teacher.checkpoint
            else None
        )
        self.model = (
            DistributedDataParallel(net, device_ids=[self.ctx.local_rank] if self.ctx.device.type == "cuda" else None)
            if self.ctx.distributed
            else net
        )
        o = cfg.optim
        if o.name == "adamw":
            self.optimizer: torch.optim.Optimizer = torch.optim.AdamW(
                net.parameters(), lr=o.lr, weight_decay=o.weight_decay
            )
        else:
            self.optimizer = torch.optim.SGD(
                net.parameters(), lr=o.lr, momentum=o.momentum, weight_decay=o.weight_decay
            )
        steps_per_epoch = len(_loader(self.train_ds, cfg, self.ctx, True, 0))
        if cfg.max_steps_per_epoch:
            steps_per_epoch = min(steps_per_epoch, cfg.max_steps_per_epoch)
        if steps_per_epoch == 0:
            raise ConfigError(
                f"no full training batch: {len(self.train_ds)} clips for batch size {o.batch_size} "
                f"x {self.ctx.world_size} process(es)"
            )
        self.steps_per_epoch = steps_per_epoch
        total = steps_per_epoch * o.epochs
        warmup = steps_per_epoch * o.warmup_epochs
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda s: lr_factor(s, total, warmup, o.lr, o.lr_min)
        )
        use_amp = o.amp and self.ctx.device.type == "cuda"
        self.scaler = torch.amp.GradScaler("cuda", enabled=use_amp)
        self.use_amp = use_amp
        self.start_epoch = 0
        self.best_top1 = -1.0
        if resume and (self.out / "last.pt").is_file():
            self._resume(self.out / "last.pt")

    # -- checkpoints -------------------------------------------------------------------
    def _payload(self, epoch: int, top1: float) -> dict[str, Any]:
        return {
            "model": self.net.state_dict(),
            "model_config": asdict(self.net.cfg),
            "modalities": self.cfg.modalities,
            "labels": self.labels,
            "depth": {
                "encoding": self.cfg.data.depth_encoding,
                "near_mm": self.cfg.data.depth_near_mm,
                "far_mm": self.cfg.data.depth_far_mm,
            },
            "train_config": config_to_dict(self.cfg),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "epoch": epoch,
            "valid_top1": top1,
            "best_top1": self.best_top1,
            "rng": rng_state(),
        }

    def _resume(self, path: Path) -> None:
        blob = load_checkpoint(path)
        self.net.load_state_dict(blob["model"])
        self.optimizer.load_state_dict(blob["optimizer"])
        self.scheduler.load_state_dict(blob["scheduler"])
        self.scaler.load_state_dict(blob["scaler"])
        self.start_epoch = int(blob["epoch"]) + 1
        self.best_top1 = float(blob["best_top1"])
        set_rng_state(blob["rng"])

    # -- loop ----------------------------------------------------------------------------
    def _log(self, record: dict[str, Any]) -> None:
        if self.ctx.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            with open(self.out / "metrics.jsonl", "a") as f:
                f.write(json.dumps(record) + "\n")

    def train_epoch(self, epoch: int) -> dict[str, float]:
        cfg, o = self.cfg, self.cfg.optim
        self.model.train()
        if self.from_onnx:
            freeze_batchnorm(self.net)
        if isinstance(self.net, UnimodalNetwork):
            self.net.dtn.temperature = sharpness_temperature(self.net.cfg, epoch)
        distill_weight = 0.0 if epoch < o.distill_warmup_epochs else 1.0
        if (
            epoch == o.distill_warmup_epochs > 0
            and self.ctx.is_main
            and epoch >= self.start_epoch
            and not self.from_onnx
        ):
            tqdm.write(
                f"epoch {epoch + 1}: the recoupling distillation term joins the loss from now on "
                "(lambda_d 0 -> 1), so the loss jumps; top-1 is the measure to watch"
            )
        self.train_ds.set_epoch(epoch)
        loader = _loader(self.train_ds, cfg, self.ctx, True, epoch)
        sums: dict[str, float] = {}
        correct = seen = 0
        bar = tqdm(
            total=self.steps_per_epoch,
            desc=f"epoch {epoch + 1}/{o.epochs}",
            disable=not (self.progress and self.ctx.is_main),
            leave=False,
        )
        for step, batch in enumerate(loader):
            if step >= self.steps_per_epoch:
                break
            batch = {k: v.to(self.ctx.device, non_blocking=True) for k, v in batch.items()}
            if self.paired_reversal is not None:
                batch = with_reversed_copies(batch, self.paired_reversal)
            with torch.autocast(self.ctx.device.type, enabled=self.use_amp):
                logits, terms = forward_batch(self.model, batch, cfg.modalities, distill_weight)
                if self.from_onnx:
                    terms = terms._replace(total=classification_loss(terms.parts))
                if self.teacher is not None:
                    feature = self.teacher.loss(batch)
                    terms = terms._replace(
                        total=terms.total + self.teacher.weight * feature, parts={**terms.parts, TEACHER_KEY: feature}
                    )
            self.optimizer.zero_grad(set_to_none=True)
            self.scaler.scale(terms.total).backward()
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.net.parameters(), o.grad_clip)
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.scheduler.step()
            sums["loss"] = sums.get("loss", 0.0) + float(terms.total.detach())
            for name, value in terms.parts.items():
                sums[name] = sums.get(name, 0.0) + float(value.detach())
            correct += int((logits.argmax(1) == batch["label"]).sum())
            seen += int(batch["label"].numel())
            bar.update(1)
            bar.set_postfix(loss=f"{sums['loss'] / (step + 1):.3f}", acc=f"{correct / max(seen, 1):.3f}")
        bar.close()
        steps = max(1, min(self.steps_per_epoch, step + 1))
        stats = {k: average_scalar(v / steps, self.ctx) for k, v in sums.items()}
        stats["train_top1"] = average_scalar(correct / max(seen, 1), self.ctx)
        return stats

    def validate(self) -> float:
        loader = _loader(self.valid_ds, self.cfg, self.ctx, False, 0)
        logits, labels = evaluate_loader(self.model, loader, self.cfg.modalities, self.ctx, progress=self.progress)
        counts = torch.tensor([float((logits.argmax(1) == labels).sum()) if len(labels) else 0.0, float(len(labels))])
        counts = sum_tensor(counts, self.ctx)
        return float(counts[0] / counts[1]) if counts[1] > 0 else 0.0

    def run(self) -> float:
        o = self.cfg.optim
        if self.ctx.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            (self.out / "labels.txt").write_text("\n".join(self.labels) + "\n")
        for epoch in range(self.start_epoch, o.epochs):
            t0 = time.time()
            stats = self.train_epoch(epoch)
            top1 = self.validate()
            improved = top1 > self.best_top1
            if improved:
                self.best_top1 = top1
            record = {
                "epoch": epoch + 1,
                **stats,
                "valid_top1": top1,
                "lr": self.scheduler.get_last_lr()[0],
                "seconds": time.time() - t0,
            }
            self._log(record)
            if self.ctx.is_main:
                payload = self._payload(epoch, top1)
                save_checkpoint(self.out / "last.pt", payload)
                if improved:
                    save_checkpoint(self.out / "best.pt", payload)
                tqdm.write(
                    f"epoch {epoch + 1}/{o.epochs}: loss {stats['loss']:.3f}, top-1 train {stats['train_top1']:.3f} "
                    f"valid {top1:.3f}{' (best)' if improved else ''} ({record['seconds']:.0f} s)"
                )
        return self.best_top1
