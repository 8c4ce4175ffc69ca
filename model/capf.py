"""CAPF: cross-modal fusion of an RGB and a depth network (the release's `CrossFusionNet`)."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from model.config import ModelConfig
from model.hand_tone import HandToneHead, hand_tone
from model.unimodal import UnimodalNetwork


def interaction(in_dim: int, dim: int, dropout: float) -> nn.Sequential:
    """1x1 conv 2D->D, BN, ReLU, 1x1 conv D->D, dropout (crossFusion / crossFusionT)."""
    return nn.Sequential(
        nn.Conv2d(in_dim, dim, 1, bias=False),
        nn.BatchNorm2d(dim),
        nn.ReLU(),
        nn.Conv2d(dim, dim, 1, bias=False),
        nn.Dropout(dropout),
    )


def _conv_bn_relu(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


class FusionEncoder(nn.Module):
    """`enconv`: 1x1 convs 2D -> w0 -> w1 -> w2 (each BN + ReLU) -> w3 (plain)."""

    def __init__(self, in_dim: int, widths: tuple[int, int, int, int]) -> None:
        super().__init__()
        w0, w1, w2, w3 = widths
        layers = _conv_bn_relu(in_dim, w0) + _conv_bn_relu(w0, w1) + _conv_bn_relu(w1, w2)
        self.enconv = nn.Sequential(*layers, nn.Conv2d(w2, w3, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, 2D, 1, 1] -> [B, w3, 1, 1]."""
        return self.enconv(x)


class FusionDecoder(nn.Module):
    """`deconv`: w3 -> w2 -> w1, each BN + ReLU, reconstructing the features."""

    def __init__(self, widths: tuple[int, int, int, int]) -> None:
        super().__init__()
        _, w1, w2, w3 = widths
        self.deconv = nn.Sequential(*_conv_bn_relu(w3, w2), *_conv_bn_relu(w2, w1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[B, w3, 1, 1] -> [B, w1, 1, 1]."""
        return self.deconv(x)


class FusionModule(nn.Module):
    """Encoder -> `efc` fused logits, and decoder reconstruction (`fusion_model`)."""

    def __init__(self, in_dim: int, widths: tuple[int, int, int, int], num_classes: int) -> None:
        super().__init__()
        self.encoder = FusionEncoder(in_dim, widths)
        self.decoder = FusionDecoder(widths)
        self.efc = nn.Conv2d(widths[3], num_classes, 1, bias=False)

    def forward(self, t_rgb: torch.Tensor, t_depth: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """[B, D] x 2 -> ([B, K] fused logits, [B, w1] reconstruction)."""
        x = torch.cat([t_rgb, t_depth], dim=1)[:, :, None, None]  # [B, 2D, 1, 1]
        encoded = self.encoder(x)  # [B, w3, 1, 1]
        return self.efc(encoded).flatten(1), self.decoder(encoded).flatten(1)


class FusionOutput(NamedTuple):
    """logits [B, K] fused; rgb_logits, depth_logits [B, K]; reconstruction [B, w1];
    t_rgb, t_depth [B, D] after temporal interaction; distillation [] (both modalities)."""

    logits: torch.Tensor
    rgb_logits: torch.Tensor
    depth_logits: torch.Tensor
    reconstruction: torch.Tensor
    t_rgb: torch.Tensor
    t_depth: torch.Tensor
    distillation: torch.Tensor


class CrossModalFusionNetwork(nn.Module):
    """Two head-less unimodal networks, spatial and temporal interaction, fusion encoder."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        f, d, k = cfg.fusion, cfg.dim, cfg.num_classes
        self.cfg = cfg
        self.Modalit_rgb = UnimodalNetwork(cfg, with_heads=False)
        self.Modalit_depth = UnimodalNetwork(cfg, with_heads=False)
        self.crossFusion = interaction(2 * d, d, f.interaction_dropout)
        self.crossFusionT = interaction(2 * d, d, f.interaction_dropout)
        self.classifier1 = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, k))
        self.classifier2 = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, k))
        self.fusion_model = FusionModule(2 * d, f.encoder_widths, k)
        self.fc = nn.Conv2d(d, 1, 1, bias=False)
        self.bce_dropout = nn.Dropout(f.bce_dropout)
        self.hand_tone = HandToneHead(cfg.frames, k) if f.hand_tone else None

    def spatial_interaction(self, s_rgb: torch.Tensor, s_depth: torch.Tensor) -> torch.Tensor:
        """Per-frame cross-modal term added to both modalities' spatial features.

        Args:
            s_rgb, s_depth: [B, T, D].

        Returns:
            [B, T, D]. With layout `official` the release's raw memory re-interpretation
            (`view(B, 2D, T, 1)` in, `view(B, T, D)` out) mixes frames; `per_frame` does not.
        """
        b, t, d = s_rgb.shape
        z = F.normalize(torch.cat([s_rgb, s_depth], dim=-1), p=2, dim=-1)  # [B, T, 2D]
        if self.cfg.fusion.layout == "official":
            y = self.crossFusion(z.reshape(b, 2 * d, t, 1))  # [B, D, T, 1]
            return y.reshape(b, t, d)  # (official quirk) no transpose
        y = self.crossFusion(z.transpose(1, 2).unsqueeze(-1))  # [B, D, T, 1]
        return y.squeeze(-1).transpose(1, 2)  # [B, T, D]

    def fuse(self, s_rgb: torch.Tensor, s_depth: torch.Tensor, tone: torch.Tensor | None = None) -> FusionOutput:
        """Everything after the two DSNs.

        Args:
            s_rgb, s_depth: [B, T, D] spatial features of each modality.
            tone: [B, T] per-frame hand tones (`hand_tone`), with `fusion.hand_tone` only.

        Returns:
            FusionOutput with [B, K] logits.
        """
        cross = self.spatial_interaction(s_rgb, s_depth)
        return self.fuse_interacted(s_rgb + cross, s_depth + cross, tone)

    def frame_tones(self, rgb: torch.Tensor, depth: torch.Tensor) -> torch.Tensor | None:
        """[B, T, H, W, 3] frames on the 0..255 scale -> [B, T] hand tones, or None without
        the hand-tone head."""
        return None if self.hand_tone is None else hand_tone(rgb, depth)

    def fuse_interacted(
        self, x_rgb: torch.Tensor, x_depth: torch.Tensor, tone: torch.Tensor | None = None
    ) -> FusionOutput:
        """Everything after the spatial interaction (the per-window stage of a stream).

        Args:
            x_rgb, x_depth: [B, T, D] spatial features with the cross-modal term added.
            tone: [B, T] per-frame hand tones; required with `fusion.hand_tone`.

        Returns:
            FusionOutput with [B, K] logits.
        """
        out_rgb = self.Modalit_rgb.temporal(x_rgb)
        out_depth = self.Modalit_depth.temporal(x_depth)
        t_rgb, t_depth = out_rgb.features, out_depth.features  # [B, D]
        rgb_logits, depth_logits = self.classifier1(t_rgb), self.classifier2(t_depth)
        z = F.normalize(torch.cat([t_rgb, t_depth], dim=-1), p=2, dim=-1)[:, :, None, None]
        cross_t = self.crossFusionT(z).flatten(1)  # [B, D]
        t_rgb, t_depth = t_rgb + cross_t, t_depth + cross_t
        fused, recon = self.fusion_model(t_rgb, t_depth)
        if self.hand_tone is not None:
            if tone is None:
                raise ValueError("this network reads the hand tone: pass the window's [B, T] tones")
            fused = fused + self.hand_tone(tone)
        distill = out_rgb.distillation + out_depth.distillation
        return FusionOutput(fused, rgb_logits, depth_logits, recon, t_rgb, t_depth, distill)

    def modality_scores(self, t: torch.Tensor) -> torch.Tensor:
        """sigmoid(fc(dropout(t))): [B, D] -> [B, 1], the BCE modality discriminator."""
        return torch.sigmoid(self.fc(self.bce_dropout(t)[:, :, None, None]).flatten(1))

    def forward(
        self,
        rgb: torch.Tensor,
        depth: torch.Tensor,
        rgb_guidance: torch.Tensor | None,
        depth_guidance: torch.Tensor | None,
    ) -> FusionOutput:
        """rgb, depth [B, 3, T, H, W] normalised; guidance [B, 1, T, H, W] -> FusionOutput."""
        s_rgb = self.Modalit_rgb.spatial(rgb, rgb_guidance)
        s_depth = self.Modalit_depth.spatial(depth, depth_guidance)
        tone = self.frame_tones(_to_pixels(rgb), _to_pixels(depth))
        return self.fuse(s_rgb, s_depth, tone)


def _to_pixels(x: torch.Tensor) -> torch.Tensor:
    """Normalised [B, 3, T, H, W] ((u8 - 127.5) / 128) -> [B, T, H, W, 3] on the 0..255 scale."""
    return x.permute(0, 2, 3, 4, 1) * 128.0 + 127.5
