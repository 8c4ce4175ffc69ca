"""A base network re-headed for a new vocabulary: every weight kept, the class rows of the
heads rebuilt, a class the base model knows (by name) starting from its own row."""

from __future__ import annotations

import torch

from model.build import build_model
from model.capf import CrossModalFusionNetwork
from model.unimodal import UnimodalNetwork

Network = UnimodalNetwork | CrossModalFusionNetwork


def _kind(net: Network) -> str:
    if isinstance(net, CrossModalFusionNetwork):
        return "rgbd"
    return "depth"  # one UnimodalNetwork class serves both modalities


def class_parameters(net: Network) -> list[str]:
    """Names of the parameters with one row per class (the heads), found by building the
    same network with one more class and comparing shapes."""
    wider = build_model(net.cfg.with_(num_classes=net.cfg.num_classes + 1), _kind(net))  # type: ignore[arg-type]
    mine = net.state_dict()
    return [k for k, v in wider.state_dict().items() if k in mine and tuple(v.shape) != tuple(mine[k].shape)]


def reheaded(base: Network, base_labels: list[str], labels: list[str], seed: int = 0) -> tuple[Network, list[str]]:
    """A copy of `base` with `len(labels)` classes.

    Rows of classes whose names `base_labels` holds are copied; the other rows start small
    (normal, std 0.01) with the mean bias of the base rows.

    Returns:
        (network in eval mode, names of the classes that started from the base model).
    """
    net = build_model(base.cfg.with_(num_classes=len(labels)), _kind(base))  # type: ignore[arg-type]
    heads = set(class_parameters(base))
    generator = torch.Generator().manual_seed(seed)
    state = {}
    known = [name for name in labels if name in base_labels]
    for name, value in base.state_dict().items():
        if name not in heads:
            state[name] = value
            continue
        rows = []
        for label in labels:
            if label in base_labels:
                rows.append(value[base_labels.index(label)])
            elif value.dim() == 1:
                rows.append(value.mean())
            else:
                rows.append(torch.randn(value.shape[1:], generator=generator) * 0.01)
        state[name] = torch.stack(rows).to(value.dtype)
    net.load_state_dict(state)
    if isinstance(base, UnimodalNetwork):
        net.dtn.temperature = base.dtn.temperature  # type: ignore[union-attr]
    return net.eval(), known
