"""Builders: a network of a config and a modality set."""

from __future__ import annotations

from typing import Literal

from model.capf import CrossModalFusionNetwork
from model.config import ModelConfig
from model.unimodal import UnimodalNetwork

Modalities = Literal["rgb", "depth", "rgbd"]


def build_model(cfg: ModelConfig, modalities: Modalities = "rgbd") -> UnimodalNetwork | CrossModalFusionNetwork:
    """A unimodal network for `rgb` or `depth`, the CAPF fusion network for `rgbd`."""
    if modalities == "rgbd":
        return CrossModalFusionNetwork(cfg)
    if modalities in ("rgb", "depth"):
        return UnimodalNetwork(cfg)
    raise ValueError(f"unknown modalities {modalities!r}: use rgb, depth or rgbd")
