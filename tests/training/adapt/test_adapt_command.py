"""`gesture adapt` end to end on a small trained model: new vocabulary in, an ONNX model
with stages and a card recording the run out; bad takes refused with one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from service.inference.model_card import read_model_card
from service.inference.stages import stage_paths
from service.streaming.events import EventParams
from tests.support.server_utils import run_gesture
from training.adapt.vocabulary_sets import write_vocabulary_set

VOCAB = {"swipe_left": "back", "swipe_right": "next", "no_gesture": "idle"}


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """Generated npz clips, 5 per class at 48 px."""
    from training.synth.writers.npz import write_npz_clips

    folder = tmp_path_factory.mktemp("adapt-source")
    write_npz_clips(folder, 5, seed=5, size=48, workers=1, progress=False)
    return folder


def _error_line(res) -> str:
    assert res.returncode == 2, res.stdout + res.stderr
    assert "Traceback" not in res.stderr, res.stderr
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), res.stderr
    return lines[0]


def test_adapt_writes_a_model_for_the_new_vocabulary_with_its_card(tmp_path, source, staged_tiny):
    takes = tmp_path / "takes"
    write_vocabulary_set(source, takes, VOCAB, 0, 5)
    out = tmp_path / "adapted.onnx"
    res = run_gesture(
        "adapt", "--data", takes, "--out", out, "--base", staged_tiny, "--minutes", 1, "--retrain", "temporal", "--json"
    )
    assert res.returncode == 0, res.stdout + res.stderr
    report = json.loads(res.stdout)
    assert report["labels"] == ["back", "next", "idle"]
    assert report["data"]["takes"] == {"back": 5, "next": 5, "idle": 5}
    assert report["held_out_takes"] == 3 and report["train_takes"] == 12  # one of five per class
    assert report["retrained"] == "temporal"
    assert set(report["start_from"]) | set(report["from_base"]) == {"back", "next", "idle"}
    held = report["held_out"]
    assert held["takes"] == 3 and set(held["per_class"]) == {"back", "next", "idle"}
    assert held["base_accuracy"] is None  # the base knows none of these names
    assert report["warnings"] == [] and isinstance(report["kept_base_weights"], bool)
    assert 0.0 <= held["adapted_accuracy"] <= 1.0
    # the progress bar and the table go to stderr, the JSON alone to stdout
    assert "adapting" in res.stderr and "held-out takes" in res.stderr

    card, _ = read_model_card(str(out))
    assert card.labels == ["back", "next", "idle"]
    assert card.adapted["takes"] == {"back": 5, "next": 5, "idle": 5}
    assert len(card.adapted["takes_sha256"]) == 64
    assert card.events["tuned_on"] and EventParams.for_model(card.events) == EventParams()
    assert all(p.is_file() for p in stage_paths(out))  # the incremental stages travel with it

    # the adapted model is scored like any other on takes of the same vocabulary
    res = run_gesture("evaluate", "--model", out, "--data", takes, "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["count"] == 15


def test_two_takes_per_class_retrain_the_heads_only_and_hold_nothing_out(tmp_path, source, staged_tiny, monkeypatch):
    # the plan and the report, in process; the export (and the CLI around it) is the
    # previous test's: here it only records what it was given
    from training.adapt import run as adapt_run

    exported = []
    monkeypatch.setattr(adapt_run, "export_with_stages", lambda net, card, out: exported.append((net, card, out)))
    takes = tmp_path / "takes"
    write_vocabulary_set(source, takes, None, 0, 2)  # the base's own 13 classes
    said: list[str] = []
    opts = adapt_run.AdaptOptions(data=takes, out=tmp_path / "a.onnx", base=staged_tiny, minutes=1, progress=False)
    report = adapt_run.adapt(opts, say=said.append)
    assert report["retrained"] == "head" and report["held_out"] is None
    assert "no takes held out" in report["split"]
    assert len(report["from_base"]) == 13  # every class starts from the base model's row
    ((net, card, out),) = exported
    assert out == tmp_path / "a.onnx" and card.labels == report["labels"] and net.cfg.num_classes == 13
    assert card.adapted["takes"] == {name: 2 for name in report["labels"]}
    # the class rows alone kept the base's accuracy on the benchmark: nothing to warn about
    assert report["warnings"] == [] and not any(line.startswith("warning:") for line in said)


def test_few_takes_retrain_the_heads_and_known_classes_retrained_deeper_are_warned_about():
    from training.adapt.fit import choose_parts
    from training.adapt.run import _warnings

    assert [choose_parts(n) for n in (2, 4, 7, 8, 20)] == ["head"] * 3 + ["temporal"] * 2
    known = ["push", "pull"]
    (warning,) = _warnings(known, known, 4, "temporal")
    assert "every class is one the base model knows" in warning and "4 training takes" in warning
    assert "--retrain head" in warning
    assert _warnings(known, known, 4, "head") == []  # the rows alone: the base's accuracy kept
    assert _warnings(known, known, 8, "temporal") == []  # as many takes as auto retrains deeper with
    assert _warnings(known, [*known, "next"], 4, "temporal") == []  # a new name: nothing to compare


def test_the_benchmark_control_trains_the_same_takes_from_random_weights(tmp_path, source, staged_tiny):
    from training.bench.adapt_scratch import train_from_scratch

    takes = tmp_path / "takes"
    write_vocabulary_set(source, takes, VOCAB, 0, 5)
    result = train_from_scratch(staged_tiny, takes, takes, minutes=0.1)
    assert result.epochs >= 1 and result.eval_clips == 15
    assert 0.0 <= result.top1 <= 1.0 and result.seconds >= result.train_seconds >= 6.0


def test_bad_takes_get_one_error_line(tmp_path, source, staged_tiny, tiny_depth_onnx):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "cannot tell the layout" in _error_line(
        run_gesture("adapt", "--data", empty, "--out", tmp_path / "a.onnx", "--base", staged_tiny)
    )
    assert "no such folder" in _error_line(
        run_gesture("adapt", "--data", tmp_path / "nope", "--out", tmp_path / "a.onnx", "--base", staged_tiny)
    )
    single = tmp_path / "single"
    write_vocabulary_set(source, single, VOCAB, 0, 1)
    assert "single take" in _error_line(
        run_gesture("adapt", "--data", single, "--out", tmp_path / "a.onnx", "--base", staged_tiny)
    )
    # depth-only takes for an RGB-D base model
    depth_only = tmp_path / "depth-only"
    write_vocabulary_set(source, depth_only, VOCAB, 0, 3)
    for clip in depth_only.glob("*.npz"):
        with np.load(clip) as z:
            arrays = {k: z[k] for k in z.files if k != "rgb"}
        np.savez(clip, **arrays)
    assert "no 'rgb' array" in _error_line(
        run_gesture("adapt", "--data", depth_only, "--out", tmp_path / "a.onnx", "--base", staged_tiny)
    )
    assert "not a readable ONNX file" in _error_line(
        run_gesture("adapt", "--data", single, "--out", tmp_path / "a.onnx", "--base", __file__)
    )
    assert not (tmp_path / "a.onnx").exists()


def test_a_card_carries_detector_settings_and_bad_ones_fall_back_to_the_defaults():
    tuned = EventParams.for_model({"threshold": 0.55, "smoothing": 2, "min_windows": 1, "release_windows": 3})
    assert tuned == EventParams(0.55, 2, 1, 3)
    assert EventParams.for_model({"threshold": 0.7}) == EventParams(threshold=0.7)
    assert EventParams.for_model({"threshold": "high"}) == EventParams()
    assert EventParams.for_model({"threshold": 2.0}) == EventParams()
    assert EventParams.for_model(None) == EventParams()
    assert EventParams.for_model(tuned.to_card("test")) == tuned
