"""Start a training run from one of our exported ONNX models (`init.checkpoint: X.onnx`).

A run can continue from a model that exists only as ONNX (the bundled model, or a stage the
recipe exported) when its PyTorch checkpoint is gone. The network is read back from the
graph (`training.adapt.onnx_weights`), which changes two things about training it:

- every BatchNorm was folded into its convolution by the exporter and comes back as a plain
  bias (weight 1, mean 0, variance 1 - eps). Batch statistics would undo the fold, so those
  layers stay in eval mode for the whole run (`freeze_batchnorm`); their bias still learns;
- the training-only parts are not in an inference graph (RCM's distillation projection,
  CAPF's reconstruction decoder and modality discriminator): the run trains on the
  classification terms only (`CLASSIFICATION_TERMS`), never on losses of untrained parts.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from model.capf import CrossModalFusionNetwork
from model.unimodal import UnimodalNetwork
from training.train_config import ConfigError

__all__ = ["CLASSIFICATION_TERMS", "classification_loss", "freeze_batchnorm", "is_onnx", "network_from_onnx"]

# LossTerms parts that only use layers an inference graph holds (model/losses.py)
CLASSIFICATION_TERMS = ("ce", "branch_ce")


def is_onnx(path: str | None) -> bool:
    """Whether an init checkpoint path names an ONNX file."""
    return bool(path) and str(path).lower().endswith(".onnx")


def network_from_onnx(
    path: str | Path, modalities: str, labels: list[str], profile: str
) -> UnimodalNetwork | CrossModalFusionNetwork:
    """The network of an ONNX export, in eval mode (the trainer keeps its BatchNorms there:
    `freeze_batchnorm`).

    Args:
        path: an .onnx file written by `gesture export` / `gesture train`.
        modalities: the run's modalities (rgb, depth or rgbd); must be the model's.
        labels: the run's class names in label order; must be the model's, in its order.
        profile: the run's profile; must be the model's.

    Raises:
        ConfigError: a missing or foreign file, or a model of other modalities, classes or
            profile (the message names both sides).
    """
    from training.adapt.onnx_weights import OnnxWeightsError, read_network

    try:
        net, card = read_network(path)
    except (FileNotFoundError, OnnxWeightsError) as exc:
        raise ConfigError(f"init.checkpoint: {exc}") from exc
    kind = "rgbd" if card.modalities == ["rgb", "depth"] else card.modalities[0]
    if kind != modalities:
        raise ConfigError(f"init.checkpoint {path} is a {kind} model, the run is {modalities}")
    if list(card.labels) != list(labels):
        raise ConfigError(f"init.checkpoint {path} has classes {list(card.labels)}, the data has {list(labels)}")
    if card.profile != profile:
        raise ConfigError(f"init.checkpoint {path} is profile {card.profile}, the run is {profile}")
    return net


def freeze_batchnorm(net: nn.Module) -> None:
    """Put every BatchNorm of `net` in eval mode (running statistics used, never updated).

    Call after each `net.train()`: `train()` switches them back.
    """
    for module in net.modules():
        if isinstance(module, _BatchNorm):
            module.eval()


def classification_loss(parts: dict[str, torch.Tensor]) -> torch.Tensor:
    """The sum of the classification terms of a LossTerms' parts (a scalar tensor)."""
    return sum(parts[k] for k in CLASSIFICATION_TERMS if k in parts)
