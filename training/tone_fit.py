"""`gesture fit-tone`: give a trained RGB-D model the hand-tone head (`model/hand_tone.py`),
fitted on top of the frozen network.

The head adds a linear reading of each window's hand tones to the fused logits. Its weights
are fitted by L2-regularised multinomial logistic regression on the network's own logits:
for every training clip, played forwards and (for classes with a partner, e.g. a flip to
the back <-> a flip to the palm) backwards under the partner's label, the fused logits of
the unchanged network plus W (tones - their mean) + b must give the clip's class. The rest
of the network is untouched, so the fit takes minutes and cannot forget what the network
knew; the bundled model's stage 6 (Makefile, `bundled-model`).

It reports top-1 before and after on the data's validation clips and writes the model with
its incremental stages, like `gesture export`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from model.build import build_model
from model.capf import CrossModalFusionNetwork
from model.hand_tone import hand_tone
from service.inference.model_card import ModelCard
from service.inference.prepare import prepare_clip
from training.data.augmentation.time_reverse import NOT_REVERSIBLE, reverse_label_map
from training.train_config import ConfigError

# The partners of SynthGesture's classes played backwards (as the bundled model's training
# configs, `augment.reverse_pairs`); a class in no pair is fitted forwards only.
DEFAULT_REVERSE_PAIRS = (
    "no_gesture:no_gesture,swipe_left:swipe_right,swipe_up:swipe_down,push:pull,"
    "circle_cw:circle_ccw,open_hand:close_hand,flip_to_back:flip_to_palm"
)
DEFAULT_L2 = 3e-4  # chosen on the validation clips of data/synth-v2-fresh2 (BENCHMARKS.md)

Progress = Callable[[int, int], None]


@dataclasses.dataclass
class ToneSamples:
    """What the fit sees: one row per clip (and per reversed clip).

    Attributes:
        logits: [N, K] the unchanged network's fused logits.
        tones: [N, T] the window's hand tones.
        labels: [N] the class shown (the partner's for a reversed clip).
        forwards: bool [N], the clip as recorded.
    """

    logits: np.ndarray
    tones: np.ndarray
    labels: np.ndarray
    forwards: np.ndarray


def collect(
    predict: Callable[[dict[str, np.ndarray]], np.ndarray],
    card: ModelCard,
    readers: list[Any],
    reverse_map: list[int],
    progress: Progress | None = None,
) -> ToneSamples:
    """Logits and tones of every clip of `readers`, and of its reversal where the class has a
    partner (`reverse_map`; empty: forwards only)."""
    logits, tones, labels, forwards = [], [], [], []
    total = sum(len(r) for r in readers)
    done = 0
    for reader in readers:
        for i in range(len(reader)):
            clip = reader.load(i)
            steps = [1]
            if reverse_map and reverse_map[clip.label] != NOT_REVERSIBLE:
                steps.append(-1)
            for step in steps:
                rgb = np.ascontiguousarray(clip.rgb[::step])
                depth = np.ascontiguousarray(clip.depth[::step])
                feeds = prepare_clip(rgb, depth, card)
                logits.append(np.asarray(predict(feeds))[0])
                tone = hand_tone(torch.from_numpy(feeds["rgb"]), torch.from_numpy(feeds["depth"]))
                tones.append(tone[0].numpy())
                labels.append(clip.label if step == 1 else reverse_map[clip.label])
                forwards.append(step == 1)
            done += 1
            if progress is not None:
                progress(done, total)
    k = len(card.labels)
    return ToneSamples(
        np.asarray(logits, np.float32).reshape(-1, k),
        np.asarray(tones, np.float32).reshape(-1, card.frames),
        np.asarray(labels, np.int64),
        np.asarray(forwards, bool),
    )


def fit_head(samples: ToneSamples, l2: float) -> tuple[np.ndarray, np.ndarray]:
    """W [K, T] and b [K] minimising the cross-entropy of logits + W (tones - mean) + b,
    plus l2 |W|^2 (L-BFGS, deterministic)."""
    logits = torch.from_numpy(samples.logits)
    tones = torch.from_numpy(samples.tones)
    centred = tones - tones.mean(dim=1, keepdim=True)  # [N, T]
    labels = torch.from_numpy(samples.labels)
    k, t = logits.shape[1], tones.shape[1]
    weight = torch.zeros(k, t, requires_grad=True)
    bias = torch.zeros(k, requires_grad=True)
    opt = torch.optim.LBFGS([weight, bias], max_iter=500, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits + centred @ weight.T + bias, labels)
        loss = loss + l2 * (weight * weight).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return weight.detach().numpy(), bias.detach().numpy()


def top1(samples: ToneSamples, head: tuple[np.ndarray, np.ndarray] | None = None) -> float | None:
    """Top-1 on the forwards rows, with the head (W, b) added or without it (None: no rows)."""
    logits = samples.logits[samples.forwards]
    if head is not None:
        tones = samples.tones[samples.forwards]
        logits = logits + (tones - tones.mean(axis=1, keepdims=True)) @ head[0].T + head[1]
    if not len(logits):
        return None
    return float((logits.argmax(axis=1) == samples.labels[samples.forwards]).mean())


def with_head(net: CrossModalFusionNetwork, weight: np.ndarray, bias: np.ndarray) -> CrossModalFusionNetwork:
    """A copy of `net` with the hand-tone head, holding (weight [K, T], bias [K])."""
    cfg = net.cfg.with_(fusion=dataclasses.replace(net.cfg.fusion, hand_tone=True))
    out = build_model(cfg, "rgbd")
    assert isinstance(out, CrossModalFusionNetwork) and out.hand_tone is not None
    missing, unexpected = out.load_state_dict(net.state_dict(), strict=False)
    if unexpected or any(not k.startswith("hand_tone.") for k in missing):
        raise ValueError(f"network does not fit its own config: missing {missing}, unexpected {unexpected}")
    with torch.no_grad():
        out.hand_tone.linear.weight.copy_(torch.from_numpy(weight))
        out.hand_tone.linear.bias.copy_(torch.from_numpy(bias))
    return out.eval()


def check_base(net: object, card: ModelCard) -> CrossModalFusionNetwork:
    """The base network, if the head can be fitted to it.

    Raises:
        ConfigError: not an RGB-D model, depth not `gray`-encoded, or a head already there.
    """
    if not isinstance(net, CrossModalFusionNetwork) or list(card.modalities) != ["rgb", "depth"]:
        raise ConfigError(f"the hand tone needs an RGB-D model; this one takes {'+'.join(card.modalities)}")
    if card.depth_encoding not in ("gray", "grey"):
        raise ConfigError(f"the hand tone reads `gray`-encoded depth; this model takes {card.depth_encoding!r}")
    if net.hand_tone is not None:
        raise ConfigError("this model has a hand-tone head already: fit it on the model it was made from")
    return net


def fit_tone(
    base: Path,
    data: Path,
    out: Path,
    l2: float = DEFAULT_L2,
    reverse_pairs: str = DEFAULT_REVERSE_PAIRS,
    progress: Callable[[str], Progress] | None = None,
    threads: int = 0,
) -> dict[str, Any]:
    """Fit the head of `base` on the training clips of `data`, report on its validation
    clips, write `out` (with stages). Returns the report (JSON-ready).

    Raises:
        ConfigError: a model or data the head cannot be fitted to (message says why).
        FileNotFoundError: a missing model or data folder.
    """
    from training.adapt.onnx_weights import OnnxWeightsError, read_network
    from training.evaluation.clips import load_predictor, open_splits
    from training.export.stages import export_with_stages

    start = time.monotonic()
    try:
        net, card = read_network(base)
    except OnnxWeightsError as exc:
        raise ConfigError(f"{base}: {exc}") from exc
    fused = check_base(net, card)
    card, predict = load_predictor(base, threads=threads)
    try:
        reverse_map = reverse_label_map(card.labels, reverse_pairs) if reverse_pairs.strip() else []
    except ValueError as exc:
        raise ConfigError(f"--reverse-pairs: {exc}") from exc
    train = open_splits(data, "train", tuple(card.modalities))
    valid = open_splits(data, "valid", tuple(card.modalities))
    fitted = collect(predict, card, train, reverse_map, progress("train clips") if progress else None)
    if len(np.unique(fitted.labels)) < 2:
        raise ConfigError(f"{data}: the training clips show fewer than two classes")
    held = collect(predict, card, valid, [], progress("validation clips") if progress else None)
    weight, bias = fit_head(fitted, l2)
    new_card = dataclasses.replace(card, source=f"gesture fit-tone of {Path(base).name} on {Path(data).name}")
    export_with_stages(with_head(fused, weight, bias), new_card, out)
    return {
        "base": str(base),
        "data": str(data),
        "out": str(out),
        "l2": l2,
        "train_rows": int(len(fitted.labels)),
        "valid_clips": int(len(held.labels)),
        "valid_top1_before": top1(held),
        "valid_top1_after": top1(held, (weight, bias)),
        "seconds": round(time.monotonic() - start, 1),
    }
