"""`gesture adapt` from end to end: base model and takes in, an adapted ONNX model (with its
incremental stages and a card recording what it was adapted on) and a report out."""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.streaming.events import EventParams
from training.adapt.detector import tune_detector
from training.adapt.fit import HEAD_ONLY_BELOW, choose_parts, fit, predict
from training.adapt.onnx_weights import read_network
from training.adapt.report import held_out_scores
from training.adapt.takes import load_takes, stratified_split
from training.adapt.views import ViewMaker, make_views
from training.adapt.vocabulary import closest_base_classes, reheaded
from training.export.stages import export_with_stages
from training.train_config import load_train_config

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "adapt.yaml"
VIEW_TARGET = 480  # augmented views in all: enough variety, bounded trunk time
VIEWS_MIN, VIEWS_MAX = 6, 24  # per take
EXPORT_RESERVE_S = 150.0  # ONNX export of the model and its two stages, with parity checks (2 cores)
VIEWS_SHARE = 0.45  # of the time before export that the trunk passes may use


@dataclass(frozen=True)
class AdaptOptions:
    """One `gesture adapt` run.

    Attributes:
        data: folder of takes (any reader layout).
        out: the ONNX file to write.
        base: the model to start from.
        minutes: time budget for the whole run, export included.
        parts: `auto`, `head` or `temporal` (see training/adapt/fit.py).
        hold_out: share of each class's takes held out (0: none).
        refit: after early stopping chose the epoch count on the held-out takes, train
            again from the base on every take for that many epochs (the written model then
            has seen all takes; the report's held-out numbers are the first model's).
        seed: randomness of the split, the views and the training.
    """

    data: Path
    out: Path
    base: Path
    minutes: float = 10.0
    parts: str = "auto"
    hold_out: float = 0.2
    refit: bool = True
    seed: int = 0
    progress: bool = True


def views_per_take(train_takes: int) -> int:
    """Augmented views per training take: about `VIEW_TARGET` in all, within bounds."""
    return int(min(VIEWS_MAX, max(VIEWS_MIN, math.ceil(VIEW_TARGET / max(1, train_takes)))))


def adapt(opts: AdaptOptions, say: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """Run adapt; returns the report (also written into the model card as `adapted`).

    Raises:
        FileNotFoundError, OnnxWeightsError: the base model.
        TakesError: the takes (one line says why).
        ParityError: the export disagreed with PyTorch (nothing written).
    """
    start = time.monotonic()
    budget = opts.minutes * 60.0
    deadline = start + max(30.0, budget - EXPORT_RESERVE_S)
    base, card = read_network(opts.base)
    takes = load_takes(opts.data, card.modalities)
    say(f"base model {opts.base}")
    truth = [e.label for e in takes.reader.entries]
    split = stratified_split(truth, takes.labels, opts.seed, opts.hold_out)
    say(f"{len(truth)} takes of {len(takes.labels)} classes; {split.note}")
    train_counts = Counter(truth[i] for i in split.train)
    fewest = min(train_counts.values())
    parts = choose_parts(fewest) if opts.parts == "auto" else opts.parts
    cfg = load_train_config(CONFIG)
    maker = ViewMaker(takes.reader, card, cfg.augment, takes.labels)
    per_take = views_per_take(len(split.train))
    say(f"retraining: {parts} ({fewest} training takes in the smallest class); {per_take} augmented views per take")

    t_views = time.monotonic()
    views_deadline = t_views + VIEWS_SHARE * max(0.0, deadline - t_views)
    held = (
        make_views(maker, base, split.held_out, 0, opts.seed, "held-out takes", progress=opts.progress)
        if split.held_out
        else None
    )
    train = make_views(
        maker,
        base,
        split.train,
        per_take,
        opts.seed,
        "augmented views",
        progress=opts.progress,
        stop=lambda: time.monotonic() >= views_deadline,
    )
    views_s = time.monotonic() - t_views

    start_from = _start_rows(base, train, card.labels, takes.labels)
    if start_from:
        say("new classes start from: " + ", ".join(f"{k} <- {v}" for k, v in start_from.items()))
    adapted, known = reheaded(base, card.labels, takes.labels, opts.seed, start_from)
    result = fit(adapted, train, held, parts, cfg.optim, deadline, opts.seed, opts.progress)
    kept_base = held is not None and result.best_epoch == 0
    say(
        f"{result.epochs} epochs, best {result.best_epoch}: {result.stopped}"
        + ("; no epoch beat the base's weights on the held-out takes: they are kept" if kept_base else "")
    )
    warnings = _warnings([name for name in takes.labels if name in card.labels], takes.labels, fewest, parts)
    for line in warnings:
        say(f"warning: {line}")

    scores = None
    refit_epochs = 0
    if held is not None:
        scores = held_out_scores(
            takes.labels, held.labels.numpy(), predict(adapted, held), card.labels, predict(base, held)
        )
    t_tune = time.monotonic()
    base_events = EventParams.for_model(card.events)
    tuning = tune_detector(
        adapted, dataclasses.replace(card, labels=takes.labels), takes.reader, split.held_out, base_events, opts.seed
    )
    say(f"event detector: {tuning.note}")
    t_refit = time.monotonic()
    if held is not None:
        if opts.refit and not kept_base and time.monotonic() < deadline:
            refit_epochs = result.best_epoch
            vocab = (card.labels, takes.labels, start_from)
            views = (split.held_out, per_take, train)
            adapted = _refit(opts, maker, base, vocab, views, (parts, cfg.optim), refit_epochs, deadline)
            say(f"refit on all {len(truth)} takes for {refit_epochs} epochs")
    report: dict[str, Any] = {
        "base": {"model": str(opts.base), "source": card.source, "classes": len(card.labels)},
        "data": {"folder": str(opts.data), "takes": takes.counts, "sha256": takes.digest},
        "labels": takes.labels,
        "from_base": known,
        "start_from": start_from,
        "split": split.note,
        "train_takes": len(split.train),
        "held_out_takes": len(split.held_out),
        "retrained": parts,
        "views_per_take": int(len(train) // max(1, len(split.train))),
        "epochs": result.epochs,
        "best_epoch": result.best_epoch,
        "stopped": result.stopped,
        "refit_epochs": refit_epochs,
        "kept_base_weights": kept_base,
        "warnings": warnings,
        "held_out": scores,
        "seconds": {
            "views": round(views_s, 1),
            "fit": round(result.seconds, 1),
            "detector": round(t_refit - t_tune, 1),
            "refit": round(time.monotonic() - t_refit, 1) if refit_epochs else 0.0,
        },
    }
    report["events"] = {
        "settings": tuning.params.to_card(tuning.note),
        "tuned": tuning.tuned,
        "levenshtein_accuracy": tuning.accuracy,
        "base_settings_accuracy": tuning.base_accuracy,
    }
    t_export = time.monotonic()
    new_card = dataclasses.replace(
        card,
        labels=takes.labels,
        source=f"gesture adapt of {Path(opts.base).name} on {len(truth)} takes ({takes.digest[:12]})",
        events=tuning.params.to_card(tuning.note),
    )
    say(f"exporting {opts.out}")
    export_with_stages(adapted, dataclasses.replace(new_card, adapted=_card_summary(report)), opts.out)
    report["seconds"]["export"] = round(time.monotonic() - t_export, 1)
    report["seconds"]["total"] = round(time.monotonic() - start, 1)
    report["out"] = str(opts.out)
    return report


def _warnings(known: list[str], labels: list[str], fewest: int, parts: str) -> list[str]:
    """What the user should know before switching to the adapted model (BENCHMARKS.md, adapt).

    Args:
        known: the classes of `labels` the base model knows by name.
        fewest: training takes of the smallest class.
        parts: what the run retrains (`head` or `temporal`).
    """
    if len(known) == len(labels) and parts == "temporal" and fewest < HEAD_ONLY_BELOW:
        return [
            f"every class is one the base model knows, and the smallest has {fewest} training takes: on a "
            f"style the base never saw, retraining known classes after the trunk on fewer than "
            f"{HEAD_ONLY_BELOW} takes each lost 8-12 points of top-1 against the base model on new takes, "
            "where `--retrain head` kept the base's accuracy (BENCHMARKS.md, adapt); compare both with "
            "`gesture evaluate` on takes of your own before switching"
        ]
    return []


def _start_rows(base, views, base_labels: list[str], labels: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """{new class: base class its takes look like} for classes the base does not know by name."""
    import torch

    probs = torch.softmax(torch.from_numpy(predict(base, views)), dim=1).numpy()
    return closest_base_classes(labels, base_labels, views.labels.numpy(), probs)


def _refit(opts, maker, base, vocab, views, training, epochs, deadline):  # type: ignore[no-untyped-def]
    """A fresh copy of the base trained on every take for `epochs` epochs.

    Args:
        vocab: (base labels, new labels, start_from) as `reheaded` takes them.
        views: (held-out clip ids, views per take, the training views): augmented views of
            the held-out takes are made and added to the training views.
        training: (parts to retrain, optimiser settings) of the first fit.
    """
    import torch

    from training.adapt.views import Views

    held_out, per_take, train = views
    extra = make_views(maker, base, held_out, per_take, opts.seed + 1, "held-out views", progress=opts.progress)
    both = Views(
        {m: torch.cat([train.features[m], extra.features[m]]) for m in train.features},
        torch.cat([train.labels, extra.labels]),
        torch.cat([train.clip, extra.clip]),
    )
    base_labels, labels, start_from = vocab
    parts, optim = training
    net, _ = reheaded(base, base_labels, labels, opts.seed, start_from)
    fit(
        net,
        both,
        None,
        parts,
        optim,
        deadline,
        opts.seed,
        opts.progress,
        epochs=epochs,
        desc="refit",
    )
    return net


def _card_summary(report: dict[str, Any]) -> dict[str, Any]:
    """The part of the report a model card keeps (no per-epoch history, no paths of this machine)."""
    held = report["held_out"]
    return {
        "base": report["base"]["source"] or report["base"]["model"],
        "takes": report["data"]["takes"],
        "takes_sha256": report["data"]["sha256"],
        "split": report["split"],
        "retrained": report["retrained"],
        "epochs": report["epochs"],
        "refit_epochs": report["refit_epochs"],
        "kept_base_weights": report["kept_base_weights"],
        "held_out_accuracy": None if held is None else held["adapted_accuracy"],
        "base_held_out_accuracy": None if held is None else held["base_accuracy"],
    }


def accuracy_table(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows (class, held-out takes, base, adapted) for the CLI's table."""
    held = report["held_out"]
    if held is None:
        return []
    fmt = lambda v: "—" if v is None else f"{v:.0%}"  # noqa: E731
    rows = [(name, str(c["takes"]), fmt(c["base"]), fmt(c["adapted"])) for name, c in held["per_class"].items()]
    rows.append(("all", str(held["takes"]), fmt(held["base_accuracy"]), fmt(held["adapted_accuracy"])))
    return rows
