"""`gesture evaluate`: a checkpoint or an ONNX model on a dataset folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from service.inference.model_card import ModelCard
from service.inference.onnx_session import OnnxModel
from service.inference.prepare import prepare_clip
from service.streaming.windows import Predict
from training.clip_dataset import class_names
from training.data import ClipReader, detect_layout, open_dataset
from training.evaluation.scores import ClassificationReport, classification_report


def load_predictor(model: Path, threads: int = 0) -> tuple[ModelCard, Predict]:
    """(card, inputs -> logits [1, K]) for an ONNX file or one of our checkpoints."""
    if Path(model).suffix == ".onnx":
        from service.inference.onnx_session import SessionOptions

        onnx_model = OnnxModel(model, SessionOptions(threads=threads))
        return onnx_model.card, onnx_model.logits
    from training.checkpoint import card_from_checkpoint, load_checkpoint, network_from_checkpoint

    blob = load_checkpoint(model)
    card = card_from_checkpoint(blob, str(model))
    return card, torch_predictor(network_from_checkpoint(blob), card)


def torch_predictor(net: object, card: ModelCard) -> Predict:
    """A PyTorch network (fusion or one modality, in eval mode) as a `Predict`."""
    import torch

    from model.capf import CrossModalFusionNetwork
    from model.inference import FusionClassifier, UnimodalClassifier

    wrapper = FusionClassifier(net) if isinstance(net, CrossModalFusionNetwork) else UnimodalClassifier(net)

    def predict(inputs: dict[str, np.ndarray]) -> np.ndarray:
        with torch.no_grad():
            out = wrapper(*(torch.from_numpy(inputs[m]) for m in card.modalities))
        return (out[0] if isinstance(out, tuple) else out).numpy()

    return predict


def open_splits(data: Path, split: str, modalities: tuple[str, ...], layout: str | None = None) -> list[ClipReader]:
    """The readers of `split` of `data` (`all`: train and valid of a split layout; the
    recorder and npz layouts have one set of clips, whatever `split` says)."""
    kind = layout or detect_layout(data)
    splits = ["train", "valid"] if split == "all" and kind not in ("recorder", "npz") else [split]
    return [open_dataset(data, layout=layout, split=s, modalities=modalities) for s in splits]


def evaluate(
    model: Path,
    data: Path,
    layout: str | None = None,
    split: str = "valid",
    progress: bool = True,
    predictor: tuple[ModelCard, Predict] | None = None,
) -> tuple[ClassificationReport, list[str]]:
    """Top-1/top-5/per-class accuracy and the confusion matrix of `model` on `data`
    (`predictor`: `load_predictor(model)` already loaded, to score several sets with one load).

    Raises:
        ValueError: the dataset's classes do not match the model's labels.
    """
    card, predict = predictor or load_predictor(model)
    readers = open_splits(Path(data), split, tuple(card.modalities), layout)
    if sum(len(r) for r in readers) == 0:
        raise ValueError(f"no clips in {data} (split {split!r})")
    names = class_names(Path(data), readers[0])
    if names != card.labels[: len(names)]:
        raise ValueError(f"dataset classes {names} do not match the model's labels {card.labels}")
    logits, labels = [], []
    jobs = [(r, i) for r in readers for i in range(len(r))]
    for reader, i in tqdm(jobs, desc="evaluate", unit="clip", disable=not progress):
        clip = reader.load(i)
        inputs = prepare_clip(clip.rgb, clip.depth, card)
        logits.append(predict(inputs)[0])
        labels.append(clip.label)
    report = classification_report(np.stack(logits), np.array(labels), card.labels)
    return report, card.labels
