"""Classification metrics: top-k, per-class accuracy, confusion matrix (and its PNG)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np


@dataclass
class ClassificationReport:
    """top1/top5 in [0, 1], per-class accuracy, confusion[true, predicted] counts."""

    top1: float
    top5: float
    per_class: dict[str, float]
    confusion: np.ndarray
    count: int

    def to_json(self) -> dict:
        return {
            "top1": self.top1,
            "top5": self.top5,
            "count": self.count,
            "per_class": self.per_class,
            "confusion": self.confusion.tolist(),
        }


def classification_report(logits: np.ndarray, labels: np.ndarray, names: list[str]) -> ClassificationReport:
    """Metrics of logits [N, K] against labels [N]."""
    k = logits.shape[1]
    order = np.argsort(-logits, axis=1)
    top1 = float(np.mean(order[:, 0] == labels)) if len(labels) else 0.0
    top5 = float(np.mean([lab in row[: min(5, k)] for lab, row in zip(labels, order)])) if len(labels) else 0.0
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (labels, order[:, 0]), 1)
    per_class = {}
    for i, name in enumerate(names):
        total = confusion[i].sum()
        if total:
            per_class[name] = float(confusion[i, i] / total)
    return ClassificationReport(top1, top5, per_class, confusion, int(len(labels)))


def confusion_png(confusion: np.ndarray, names: list[str], path: Path, cell: int = 36) -> None:
    """Row-normalised confusion matrix as a PNG (rows: true class, columns: predicted)."""
    k = len(names)
    margin = 12 + 8 * max((len(n) for n in names), default=4)
    size_w, size_h = margin + k * cell + 10, margin + k * cell + 30
    img = np.full((size_h, size_w, 3), 255, np.uint8)
    rows = confusion.sum(axis=1, keepdims=True).clip(min=1)
    norm = confusion / rows
    for i in range(k):
        for j in range(k):
            shade = int(255 * (1 - norm[i, j]))
            x0, y0 = margin + j * cell, margin + i * cell
            cv2.rectangle(img, (x0, y0), (x0 + cell - 1, y0 + cell - 1), (255, shade, shade), -1)
            if confusion[i, j]:
                colour = (255, 255, 255) if norm[i, j] > 0.5 else (0, 0, 0)
                cv2.putText(
                    img,
                    str(int(confusion[i, j])),
                    (x0 + 3, y0 + cell // 2 + 4),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    0.35,
                    colour,
                    1,
                    cv2.LINE_AA,
                )
    for i, name in enumerate(names):
        cv2.putText(
            img, name, (4, margin + i * cell + cell // 2 + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA
        )
        label = np.full((12, margin, 3), 255, np.uint8)
        cv2.putText(label, name, (2, 9), cv2.FONT_HERSHEY_SIMPLEX, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
        rotated = cv2.rotate(label, cv2.ROTATE_90_COUNTERCLOCKWISE)  # [margin, 12]
        x0 = margin + i * cell + cell // 2 - 6
        img[0:margin, x0 : x0 + 12] = np.minimum(img[0:margin, x0 : x0 + 12], rotated)
    cv2.putText(
        img,
        "rows: true class, columns: predicted",
        (4, size_h - 10),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.4,
        (0, 0, 0),
        1,
        cv2.LINE_AA,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img)
