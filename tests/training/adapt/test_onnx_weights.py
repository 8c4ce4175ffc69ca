"""Reading a network back out of an exported ONNX file (what `gesture adapt` starts from)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from tests.support.server_utils import ROOT
from tests.support.tiny_models import tiny_net
from training.adapt.onnx_weights import OnnxWeightsError, read_network

BUNDLED = ROOT / "service" / "models" / "synth_lite_rgbd.onnx"


def _same_inference_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    """Every parameter on the inference path equal (BatchNorms compared as the function
    they compute: the export folds them into the convolutions)."""
    sa, sb = a.state_dict(), b.state_dict()
    skip = ("bn.", "rcm.linear.", "fusion_model.decoder.", "fc.weight", "num_batches_tracked")
    compared = 0
    for name, value in sa.items():
        if any(s in name for s in skip) or ".conv3d." in name:
            continue
        assert torch.allclose(value, sb[name], atol=1e-6), name
        compared += 1
    assert compared > 50


@pytest.mark.parametrize("fixture", ["tiny_onnx", "tiny_depth_onnx"])
def test_an_exported_tiny_network_comes_back_with_its_weights(fixture, request):
    path = request.getfixturevalue(fixture)
    net, card = read_network(path)
    modalities = "rgbd" if card.modalities == ["rgb", "depth"] else "depth"
    _same_inference_weights(tiny_net(modalities), net)


def test_a_trained_model_with_stages_comes_back_computing_the_same_logits(staged_tiny):
    # trained: batch norms with real statistics (folded by the exporter) and FRP weights
    # moved from their initial values; read_network compares with onnxruntime itself
    net, card = read_network(staged_tiny)
    assert card.labels and net.cfg.num_classes == len(card.labels)


def test_the_bundled_model_comes_back_computing_its_own_logits():
    net, card = read_network(BUNDLED)  # raises unless the rebuilt network matches onnxruntime
    frp = net.Modalit_rgb.frp_module.rpconv1d.weight.detach().numpy().ravel()
    assert not np.allclose(frp, [1.0, 0.0])  # trained FRP weights were recovered, not left at init
    assert len(card.labels) == 13


def test_files_that_are_not_our_exports_are_refused_with_a_reason(tmp_path, tiny_onnx):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    with pytest.raises(OnnxWeightsError, match="not a"):
        read_network(junk)
    with pytest.raises(FileNotFoundError):
        read_network(tmp_path / "missing.onnx")
    # an export whose graph no longer says where its transposed Linear weights came from
    proto = onnx.load(str(tiny_onnx))
    for node in proto.graph.node:
        del node.metadata_props[:]
    stripped = tmp_path / "stripped.onnx"
    onnx.save(proto, str(stripped))
    with pytest.raises(OnnxWeightsError, match="parameters not found in the graph"):
        read_network(stripped)
