"""Cross-modal feature distillation: a frozen unimodal network of the other modality
teaches a unimodal student to reproduce its spatial feature maps on the paired frames.

The maps compared are the DSN outputs before spatial pooling (`Mixed_5c`,
[B, C, T, h, w]); the loss is their mean squared difference divided by the teacher map's
variance, so its scale does not depend on the profile.
"""

from __future__ import annotations

from pathlib import Path

import torch

from model.frp import frp_guidance
from model.preprocess import normalise_frames
from model.unimodal import UnimodalNetwork
from training.checkpoint import load_checkpoint, network_from_checkpoint
from training.train_config import ConfigError, TrainConfig


class FeatureTeacher:
    """Holds the frozen teacher and a hook on the student's last spatial block.

    Use: run the student's forward pass, then `loss(batch)`.
    """

    def __init__(self, student: UnimodalNetwork, cfg: TrainConfig, device: torch.device) -> None:
        path = Path(cfg.teacher.checkpoint or "")
        if not path.is_file():
            raise ConfigError(
                f"teacher.checkpoint: {path} not found; this run distils from a trained network of the "
                "other modality: train that one first (e.g. the depth config before the RGB one)"
            )
        blob = load_checkpoint(path)
        self.modality: str = blob["modalities"]
        if self.modality not in ("rgb", "depth") or self.modality == cfg.modalities:
            raise ConfigError(
                f"teacher.checkpoint: {path} is a {self.modality} network; the teacher of a "
                f"{cfg.modalities} run must be a unimodal network of the other modality"
            )
        depth = blob["depth"]
        if self.modality == "depth" and (depth["encoding"], depth["near_mm"], depth["far_mm"]) != (
            cfg.data.depth_encoding,
            cfg.data.depth_near_mm,
            cfg.data.depth_far_mm,
        ):
            raise ConfigError(f"teacher.checkpoint: {path} was trained with depth settings {depth}, not the run's")
        teacher = network_from_checkpoint(blob)
        if teacher.cfg.spatial != student.cfg.spatial or teacher.cfg.size != student.cfg.size:
            raise ConfigError(f"teacher.checkpoint: {path} has a different spatial network than the run's profile")
        self.teacher = teacher.to(device).eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.weight = cfg.teacher.weight
        self._maps: dict[str, torch.Tensor] = {}
        student.Mixed_5c.register_forward_hook(lambda _m, _i, out: self._maps.__setitem__("student", out))
        self.teacher.Mixed_5c.register_forward_hook(lambda _m, _i, out: self._maps.__setitem__("teacher", out))

    def loss(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Variance-normalised MSE [] between the student's last maps and the teacher's on
        `batch[teacher modality]` (uint8 [B, T, H, W, 3])."""
        with torch.no_grad():
            x = normalise_frames(batch[self.modality])
            guidance = frp_guidance(x, self.teacher.cfg.frp_window) if self.teacher.use_frp else None
            self.teacher.spatial(x, guidance)
        target = self._maps["teacher"].float()
        student = self._maps["student"].float()
        return ((student - target) ** 2).mean() / (target.var() + 1e-6)
