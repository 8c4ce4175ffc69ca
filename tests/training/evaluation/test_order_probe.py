"""The order probe plays each clip forwards and backwards through the model."""

from __future__ import annotations

import numpy as np

from training.evaluation import order_probe as probe
from training.evaluation.clips import load_predictor


def _ramps(folder, card) -> None:
    """Two classes of 3 clips each whose colour brightens steadily (labels.csv layout)."""
    rows = ["file,label,name"]
    for label in (0, 1):
        for k in range(3):
            frames = 20 + 5 * k
            level = np.linspace(40, 200, frames).astype(np.uint8)[:, None, None, None]
            rgb = np.broadcast_to(level, (frames, 48, 48, 3)).copy()
            depth = np.full((frames, 48, 48), 800, np.uint16)
            np.savez(folder / f"c{label}_{k}.npz", rgb=rgb, depth=depth, fps=30)
            rows.append(f"c{label}_{k}.npz,{label},{card.labels[label]}")
    (folder / "labels.csv").write_text("\n".join(rows) + "\n")


def test_order_probe_answers_every_clip_both_ways_and_really_reverses_them(monkeypatch, tmp_path, tiny_onnx):
    card, _ = load_predictor(tiny_onnx)
    _ramps(tmp_path, card)

    def brightening(inputs: dict[str, np.ndarray]) -> np.ndarray:
        """Logits [1, K]: class 1 when the window (rgb uint8 [1, T, H, W, 3]) brightens from
        its first frame to its last, class 0 when it darkens."""
        rgb = inputs["rgb"][0].astype(np.float32)
        logits = np.zeros((1, len(card.labels)), np.float32)
        logits[0, int(rgb[-1].mean() > rgb[0].mean())] = 1.0
        return logits

    monkeypatch.setattr(probe, "load_predictor", lambda model, threads=0: (card, brightening))
    first, second = card.labels[:2]
    result = probe.order_probe(tiny_onnx, tmp_path, "all", [first, second])
    for forwards, backwards in result.values():
        assert forwards == {second: 3} and backwards == {first: 3}
