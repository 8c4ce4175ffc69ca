"""Online recognition scoring on generated streams: `gesture evaluate-stream` and
`gesture tune-events` (window and detector settings) with a real onnxruntime model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from service.streaming.events import EventDetector, EventParams
from tests.support.server_utils import ROOT
from training.evaluation.tune_events import tune
from training.synth import CLASS_NAMES


@pytest.fixture(scope="module")
def streams(tmp_path_factory):
    from training.synth import write_dataset

    root = tmp_path_factory.mktemp("streams")
    write_dataset(root, clips_per_class=1, seed=21, size=48, streams=2, workers=1, progress=False, stream_gestures=3)
    return root


@pytest.fixture(scope="module")
def tiny(tiny_onnx):
    return tiny_onnx


def test_evaluate_stream_scores_every_stream(streams, tiny):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.cli",
            "evaluate-stream",
            "--data",
            str(streams),
            "--model",
            str(tiny),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert len(report["streams"]) == 2 and report["gestures"] == 6
    for s in report["streams"]:
        assert len(s["truth"]) == 3 and all(0 < label < len(CLASS_NAMES) for label in s["truth"])
        assert s["accuracy"] <= 1.0
    assert report["labels"] == list(CLASS_NAMES)

    # without --json: gestures by name, and what the two scores mean
    args = [sys.executable, "-m", "training.cli", "evaluate-stream", "--data", str(streams), "--model", str(tiny)]
    res = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stderr.split())
    first = report["streams"][0]
    assert f"performed: {', '.join(CLASS_NAMES[i] for i in first['truth'])}" in text
    assert "1 - edits needed" in text
    assert "fired before the gesture ended" in text or "no event matched a gesture" in text


def test_tune_events_ranks_settings_by_levenshtein_accuracy(streams, tiny):
    trials = tune(tiny, streams, windows=[12, 16], progress=False)
    assert {t.window for t in trials} == {12, 16}
    assert len(trials) == 2 * 6 * 4 * 3 * 3
    keys = [t.key for t in trials]
    assert keys == sorted(keys, reverse=True)
    best = trials[0]
    assert 0 <= trials[-1].accuracy <= best.accuracy <= 1
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.cli",
            "tune-events",
            "--data",
            str(streams),
            "--model",
            str(tiny),
            "--windows",
            "12",
            "--top",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    assert "best of 216 settings" in res.stdout and "threshold" in res.stdout


def test_detector_fires_once_per_gesture_and_rearms():
    labels = ["no_gesture", "a", "b"]
    detector = EventDetector(labels, EventParams(threshold=0.6, smoothing=1, min_windows=2, release_windows=1))
    rest, a, b = [0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.05, 0.05, 0.9]
    fired = [detector.update(p, i, i + 10) for i, p in enumerate([rest, a, a, a, rest, a, a, b, b, b, rest])]
    assert [e.label for e in fired if e] == ["a", "a", "b"]


def test_evaluate_stream_decodes_as_uploads_by_default_or_as_live_streams(streams, tiny):
    def run(*extra: str) -> subprocess.CompletedProcess:
        args = [sys.executable, "-m", "training.cli", "evaluate-stream", "--data", str(streams), "--model", str(tiny)]
        return subprocess.run([*args, *extra], capture_output=True, text=True, timeout=600, cwd=ROOT)

    default, live = run("--json"), run("--json", "--decoder", "live")
    assert default.returncode == 0 and live.returncode == 0, default.stderr + live.stderr
    assert json.loads(default.stdout)["decoder"] == "segments"
    assert json.loads(live.stdout)["decoder"] == "live"
    live_segments = run("--json", "--decoder", "live-segments")
    assert json.loads(live_segments.stdout)["decoder"] == "live-segments", live_segments.stderr
    bad = run("--decoder", "offline")
    assert bad.returncode != 0 and "--decoder must be one of segments, live, live-segments" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_several_decoders_share_one_timeline_and_score_as_each_alone(streams, tiny):
    from training.evaluation.clips import load_predictor
    from training.evaluation.streams import DECODERS, evaluate_streams, evaluate_streams_by_decoder

    card, predict = load_predictor(tiny)
    calls = {"n": 0}

    def counted(inputs):  # noqa: ANN001, ANN202
        calls["n"] += 1
        return predict(inputs)

    together = evaluate_streams_by_decoder(tiny, streams, DECODERS, progress=False, predictor=(card, counted))
    runs_together, calls["n"] = calls["n"], 0
    evaluate_streams(tiny, streams, progress=False, predictor=(card, counted), decoder="segments")
    assert runs_together == calls["n"] > 0  # the live decoders cost no model run of their own
    for decoder in DECODERS:
        scores, totals = evaluate_streams(tiny, streams, progress=False, predictor=(card, predict), decoder=decoder)
        assert together[decoder][1] == totals
        assert [s.detected for s in together[decoder][0]] == [s.detected for s in scores]
    with pytest.raises(ValueError, match="decoder must be one of"):
        evaluate_streams_by_decoder(tiny, streams, ("live", "offline"), progress=False, predictor=(card, predict))


def test_tune_segments_scores_every_setting_on_one_timeline_per_stream(streams, tiny, capsys):
    from service.streaming.segments import SegmentParams
    from training.evaluation.streams import evaluate_streams
    from training.evaluation.tune_segments import main, score_grid

    rows = score_grid(tiny, streams, [SegmentParams(), SegmentParams(span_weight=0.0)])
    _, totals = evaluate_streams(tiny, streams, progress=False)  # the shipped settings, decoded as uploads
    assert len(rows) == 2 and rows[0][1:] == (totals["gestures"], totals["events"])
    assert rows[0][0] == pytest.approx(totals["levenshtein_accuracy"])
    assert rows[1][1] == totals["gestures"] and 0.0 <= rows[1][0] <= 1.0
    assert main(["--model", str(tiny), "--data", str(streams), "--min-windows", "2,3", "--span-weight", "0,0.5"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and all(f"{totals['gestures']} gestures" in line for line in lines)
