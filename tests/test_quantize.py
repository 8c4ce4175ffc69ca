"""int8 quantisation: static (calibrated on generated clips) and dynamic; the quantised
model keeps its model card, serves through the same session code, and stays close to the
float model."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from service.model_card import read_model_card
from service.onnx_session import OnnxModel
from tests.server_utils import ROOT
from tests.tiny_models import export_tiny


@pytest.fixture(scope="module")
def float_model(tmp_path_factory):
    return export_tiny(tmp_path_factory.mktemp("q") / "tiny.onnx")


@pytest.fixture(scope="module")
def calibration(tmp_path_factory):
    from training.synth import write_dataset

    root = tmp_path_factory.mktemp("calib")
    write_dataset(root, clips_per_class=1, seed=5, size=48, workers=1, progress=False)
    return root


@pytest.mark.parametrize("mode", ["static", "dynamic"])
def test_quantised_model_keeps_its_card_and_stays_close(float_model, calibration, tmp_path, mode):
    out = tmp_path / f"tiny-{mode}.onnx"
    cmd = [sys.executable, "-m", "training.cli", "quantize", str(float_model), "--out", str(out), "--mode", mode]
    if mode == "static":
        cmd += ["--data", str(calibration), "--clips", "8"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert res.returncode == 0, res.stdout + res.stderr
    assert read_model_card(str(out))[0] == read_model_card(str(float_model))[0]
    f, q = OnnxModel(float_model), OnnxModel(out)
    card = f.card
    rng = np.random.default_rng(0)
    inputs = {
        m: rng.integers(0, 256, (2, card.frames, card.height, card.width, 3), dtype=np.uint8) for m in card.modalities
    }
    a, b = f.logits(inputs), q.logits(inputs)
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 0.25 * (np.abs(a).max() + 1e-6)  # int8 error, not a different model
    ops = {n.op_type for n in __import__("onnx").load(str(out)).graph.node}
    assert ("QuantizeLinear" in ops) if mode == "static" else ({"DynamicQuantizeLinear", "MatMulInteger"} & ops)


def test_static_quantisation_needs_calibration_data(float_model, tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "training.cli", "quantize", str(float_model), "--out", str(tmp_path / "q.onnx")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert res.returncode == 2 and "calibration" in res.stdout + res.stderr
