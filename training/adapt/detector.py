"""The event detector's settings for an adapted model, tuned on its held-out takes.

A stream is the held-out takes played one after another (in an order where no gesture
follows itself, so that every take is one expected event); the adapted model's window
predictions over a few such orders are computed once, then every detector setting of
`gesture tune-events`' grid is scored on them (Levenshtein accuracy over the gestures,
ties broken by the shorter delay). The tuned settings are kept only when they beat the
base model's settings on those streams; too few held-out takes and nothing is tuned.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import cv2
import numpy as np

from service.inference.model_card import ModelCard
from service.streaming.events import EventParams
from service.streaming.windows import classify_windows
from training.data import ClipReader
from training.evaluation.clips import torch_predictor
from training.evaluation.tune_events import score, sweep

MIN_TAKES = 6  # held-out takes (in all) below which detector settings are not tuned
STREAMS = 3  # orders of the held-out takes
HOP = 4
NO_GESTURE = "no_gesture"


@dataclass(frozen=True)
class DetectorTuning:
    """What tuning chose.

    Attributes:
        params: the settings the adapted model's card carries.
        tuned: True when `params` came from the held-out takes (else they are the base's).
        accuracy: Levenshtein accuracy of `params` on the held-out streams (None: not measured).
        base_accuracy: the base model's settings on the same streams (None: not measured).
        note: one line for the report and the card's `tuned_on`.
    """

    params: EventParams
    tuned: bool
    accuracy: float | None
    base_accuracy: float | None
    note: str


def _orders(labels: list[int], streams: int, seed: int) -> list[list[int]]:
    """`streams` orders of the take indices in which no label follows itself (best effort:
    a class holding most of the takes cannot avoid it)."""
    rng = random.Random(seed)
    orders = []
    for _ in range(streams):
        best: list[int] = []
        best_repeats = len(labels) + 1
        for _attempt in range(200):
            order = list(range(len(labels)))
            rng.shuffle(order)
            repeats = sum(labels[a] == labels[b] for a, b in zip(order, order[1:], strict=False))
            if repeats < best_repeats:
                best, best_repeats = order, repeats
            if repeats == 0:
                break
        orders.append(best)
    return orders


def _resized(frames: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    if frames.shape[1:3] == shape:
        return frames
    size = (shape[1], shape[0])
    return np.stack([cv2.resize(f, size, interpolation=cv2.INTER_NEAREST) for f in frames])


def _stream(clips: list, order: list[int], card: ModelCard) -> tuple[dict[str, np.ndarray], list[dict]]:
    """The loaded takes (RawClip) in `order`, end to end: {modality: frames} and the truth events."""
    parts: dict[str, list[np.ndarray]] = {m: [] for m in card.modalities}
    truth, at = [], 0
    for i in order:
        clip = clips[i]
        arrays = {"rgb": clip.rgb, "depth": clip.depth}
        n = 0
        for m in card.modalities:
            a = arrays[m]
            shape = parts[m][0].shape[1:3] if parts[m] else a.shape[1:3]
            parts[m].append(_resized(a, shape))
            n = len(a)
        if card.labels[clip.label] != NO_GESTURE:
            truth.append({"label": clip.label, "start": at, "end": at + n - 1})
        at += n
    return {m: np.concatenate(p) for m, p in parts.items()}, truth


def tune_detector(
    net: object, card: ModelCard, reader: ClipReader, held_out: list[int], base: EventParams, seed: int
) -> DetectorTuning:
    """Detector settings for the adapted network `net` (in PyTorch, `card` its card with
    the new labels) from the held-out takes `held_out` (indices into `reader`)."""
    if len(held_out) < MIN_TAKES:
        note = f"the base model's settings: {len(held_out)} held-out takes, fewer than the {MIN_TAKES} tuning needs"
        return DetectorTuning(base, False, None, None, note)
    net.eval()  # type: ignore[attr-defined]
    predict = torch_predictor(net, card)
    labels = [reader.entry(i).label for i in held_out]
    clips = [reader.load(i) for i in held_out]  # once: every order replays the same takes
    timelines = []
    for order in _orders(labels, STREAMS, seed):
        frames, truth = _stream(clips, order, card)
        timeline, _ = classify_windows(frames.get("rgb"), frames.get("depth"), card, predict, HOP)
        timelines.append((timeline, truth))
    base_accuracy, _ = score(base, timelines, card.labels)
    best = max(sweep(card.stream_window, timelines, card.labels), key=lambda t: t.key)
    where = f"{len(held_out)} held-out takes played end to end in {STREAMS} orders"
    if best.accuracy <= base_accuracy:
        note = f"the base model's settings: none better on {where}"
        return DetectorTuning(base, False, base_accuracy, base_accuracy, note)
    return DetectorTuning(best.params, True, best.accuracy, base_accuracy, f"tuned by gesture adapt on {where}")
