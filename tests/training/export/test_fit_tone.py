"""`gesture fit-tone`: the hand-tone head fitted on a trained model, written with its stages,
read back by `gesture adapt`'s reader (the service streams it incrementally:
tests/service/inference/test_incremental_stages.py, `runtime`)."""

from __future__ import annotations

import numpy as np
import onnx

from service.inference.onnx_session import OnnxModel
from service.inference.prepare import prepare_frames
from tests.support.server_utils import run_gesture
from training.adapt.onnx_weights import read_network
from training.synth import key_rng, render_stream


def test_the_fitted_model_reads_the_hand_tone(toned_tiny, trained_tiny):
    out, report = toned_tiny
    assert report["out"] == str(out) and report["l2"] == 0.0
    # Clips of a class with a partner are fitted played backwards too.
    assert report["train_rows"] > report["valid_clips"] > 0
    assert 0.0 <= report["valid_top1_before"] <= 1.0 and 0.0 <= report["valid_top1_after"] <= 1.0
    card = OnnxModel(out).card
    assert card.config["fusion"]["hand_tone"] is True and "fit-tone" in card.source
    assert out.with_suffix(".frame.onnx").is_file() and out.with_suffix(".window.onnx").is_file()
    frame_inputs = {i.name for i in onnx.load(str(out.with_suffix(".frame.onnx"))).graph.input}
    assert "hand_tone" in frame_inputs
    # `gesture adapt` can start from it: the network is rebuilt and reproduces the file's logits.
    net, _ = read_network(out)
    assert net.hand_tone is not None and float(net.hand_tone.linear.weight.detach().abs().max()) > 0.1
    # Only the head changed: on a window its answers differ from the base model's by the head's term.
    s = render_stream(key_rng(5), size=48, n_gestures=1)
    base, toned = OnnxModel(trained_tiny.onnx), OnnxModel(out)
    feeds = prepare_frames(s.rgb[: card.frames], s.depth[: card.frames], card)
    assert not np.allclose(base.logits(feeds), toned.logits(feeds), atol=1e-3)


def test_a_model_without_both_modalities_is_refused_in_one_line(tiny_depth_onnx, synth_small, tmp_path):
    res = run_gesture("fit-tone", tiny_depth_onnx, "--data", synth_small, "--out", tmp_path / "x.onnx")
    assert res.returncode == 2
    assert "needs an RGB-D model" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x.onnx").exists()
