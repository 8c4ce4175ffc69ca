"""A base network re-headed for a new vocabulary: every weight kept, the class rows of the
heads rebuilt, a class the base model knows (by name) starting from its own row."""

from __future__ import annotations

import numpy as np
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


def closest_base_classes(
    labels: list[str], base_labels: list[str], truth: np.ndarray, base_probs: np.ndarray
) -> dict[str, str]:
    """{new class: base class} for the classes `base_labels` does not hold by name: the base
    class the base model gives the highest mean probability on that class's takes, each
    base class used once (greedy, most confident pair first; base classes matched by name
    are taken already).

    Args:
        truth: int [N] new class ids of the takes.
        base_probs: [N, len(base_labels)] the base model's probabilities on them.
    """
    new = [k for k, name in enumerate(labels) if name not in base_labels and (truth == k).any()]
    free = [j for j, name in enumerate(base_labels) if name not in labels]
    if not new or not free:
        return {}
    mean = np.stack([base_probs[truth == k].mean(0) for k in new])  # [new, base]
    pairs = sorted(((mean[a, j], a, j) for a in range(len(new)) for j in free), reverse=True)
    chosen: dict[str, str] = {}
    used_new, used_base = set(), set()
    for _p, a, j in pairs:
        if a in used_new or j in used_base:
            continue
        chosen[labels[new[a]]] = base_labels[j]
        used_new.add(a)
        used_base.add(j)
    return chosen


def reheaded(
    base: Network, base_labels: list[str], labels: list[str], seed: int = 0, start_from: dict[str, str] | None = None
) -> tuple[Network, list[str]]:
    """A copy of `base` with `len(labels)` classes.

    Rows of classes whose names `base_labels` holds are copied, and so are the rows of the
    base classes `start_from` names for the others ({new name: base name}); the remaining
    rows start small (normal, std 0.01) with the mean bias of the base rows.

    Returns:
        (network in eval mode, names of the classes that started from the base model).
    """
    start_from = start_from or {}
    source = {name: name if name in base_labels else start_from.get(name) for name in labels}
    net = build_model(base.cfg.with_(num_classes=len(labels)), _kind(base))  # type: ignore[arg-type]
    heads = set(class_parameters(base))
    generator = torch.Generator().manual_seed(seed)
    state = {}
    known = [name for name in labels if source[name] is not None]
    for name, value in base.state_dict().items():
        if name not in heads:
            state[name] = value
            continue
        rows = []
        for label in labels:
            if source[label] is not None:
                rows.append(value[base_labels.index(source[label])])
            elif value.dim() == 1:
                rows.append(value.mean())
            else:
                rows.append(torch.randn(value.shape[1:], generator=generator) * 0.01)
        state[name] = torch.stack(rows).to(value.dtype)
    net.load_state_dict(state)
    if isinstance(base, UnimodalNetwork):
        net.dtn.temperature = base.dtn.temperature  # type: ignore[union-attr]
    return net.eval(), known
