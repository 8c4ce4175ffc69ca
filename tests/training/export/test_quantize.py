"""int8 quantisation: dynamic on the bundled model keeps its accuracy on generated clips;
static (calibrated QDQ) is produced with its card; both serve through the same code."""

from __future__ import annotations

import subprocess

import onnx
import pytest

from service.inference.model_card import read_model_card
from service.settings import default_model_path
from tests.support.server_utils import GESTURE, ROOT
from training.evaluation.clips import evaluate


def _quantize(model, out, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*GESTURE, "quantize", str(model), "--out", str(out), *extra],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    from training.synth import write_npz_clips
    from training.synth.styles import BUNDLED_STYLES

    root = tmp_path_factory.mktemp("clips")
    write_npz_clips(root, clips_per_class=1, seed=9191, size=128, workers=1, progress=False, styles=BUNDLED_STYLES)
    return root


def test_dynamic_int8_bundled_model_keeps_its_accuracy(clips, tmp_path):
    out = tmp_path / "bundled-int8.onnx"
    res = _quantize(default_model_path(), out)  # dynamic is the default
    assert res.returncode == 0, res.stdout + res.stderr
    assert read_model_card(str(out))[0] == read_model_card(str(default_model_path()))[0]
    assert out.stat().st_size < default_model_path().stat().st_size / 2
    assert {"DynamicQuantizeLinear", "MatMulInteger"} & {n.op_type for n in onnx.load(str(out)).graph.node}
    float_report, _ = evaluate(default_model_path(), clips, progress=False)
    int8_report, _ = evaluate(out, clips, progress=False)
    assert int8_report.count == float_report.count == 13
    assert int8_report.top1 >= float_report.top1 - 1 / 13


def test_static_int8_is_calibrated_and_keeps_the_card(clips, tmp_path, tiny_onnx):
    model = tiny_onnx
    out = tmp_path / "tiny-static.onnx"
    res = _quantize(model, out, "--mode", "static", "--data", str(clips), "--clips", "4")
    assert res.returncode == 0, res.stdout + res.stderr
    assert "check its accuracy" in res.stdout + res.stderr
    assert read_model_card(str(out))[0] == read_model_card(str(model))[0]
    assert "QuantizeLinear" in {n.op_type for n in onnx.load(str(out)).graph.node}


def test_static_quantisation_needs_calibration_data(tmp_path, tiny_onnx):
    model = tiny_onnx
    res = _quantize(model, tmp_path / "q.onnx", "--mode", "static")
    assert res.returncode == 2 and "calibration" in res.stdout + res.stderr
