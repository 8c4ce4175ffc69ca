"""Held-out accuracy of the base and the adapted model, per class."""

from __future__ import annotations

from typing import Any

import numpy as np


def held_out_scores(
    labels: list[str],
    truth: np.ndarray,
    adapted_logits: np.ndarray,
    base_labels: list[str],
    base_logits: np.ndarray | None,
) -> dict[str, Any]:
    """Accuracy on the held-out takes.

    Args:
        labels: the new vocabulary (truth ids index it).
        truth: int [N] class ids.
        adapted_logits: [N, len(labels)].
        base_labels: the base model's vocabulary.
        base_logits: [N, len(base_labels)], or None.

    Returns:
        {"takes", "adapted_accuracy", "base_accuracy" (on the takes whose class the base
        model knows by name; None if none), "base_takes", "per_class": {name: {"takes",
        "adapted", "base"}}}.
    """
    truth = np.asarray(truth)
    adapted_hit = adapted_logits.argmax(1) == truth if len(truth) else np.zeros(0, bool)
    known = np.array([labels[t] in base_labels for t in truth], bool)
    base_hit = np.zeros(len(truth), bool)
    if base_logits is not None and len(truth):
        names = [base_labels[i] for i in base_logits.argmax(1)]
        base_hit = np.array([names[i] == labels[t] for i, t in enumerate(truth)], bool)
    per_class: dict[str, dict[str, Any]] = {}
    for k, name in enumerate(labels):
        mine = truth == k
        n = int(mine.sum())
        per_class[name] = {
            "takes": n,
            "adapted": float(adapted_hit[mine].mean()) if n else None,
            "base": float(base_hit[mine].mean()) if n and name in base_labels and base_logits is not None else None,
        }
    n_known = int(known.sum())
    return {
        "takes": int(len(truth)),
        "adapted_accuracy": float(adapted_hit.mean()) if len(truth) else None,
        "base_accuracy": float(base_hit[known].mean()) if n_known and base_logits is not None else None,
        "base_takes": n_known,
        "per_class": per_class,
    }
