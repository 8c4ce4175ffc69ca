"""ONNX export: the contract, parity with PyTorch for every profile, refusal on mismatch."""

from __future__ import annotations

import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from model import build_model, get_profile
from model.inference import FusionClassifier, UnimodalClassifier
from model.knn_ties import CLEAR_GAP, clearest_clips
from service.inference.model_card import ModelCard, read_model_card
from tests.support.tiny_models import tiny_net
from training.export.onnx import ParityError, export_onnx, write_checked
from training.synth import CLASS_NAMES


def _card(cfg, modalities):
    return ModelCard(
        labels=[f"g{i}" for i in range(cfg.num_classes)],
        modalities=modalities,
        frames=cfg.frames,
        height=cfg.size,
        width=cfg.size,
        frp_window=cfg.frp_window,
        source="test",
    )


def _clear_of_ties(wrapper, shape, batch, modalities):
    """`batch` seeded random clips per modality, the clearest of k-NN ties among 4 x batch.

    Parity is meaningful only where no k-NN attention row is within rounding of a tie at its
    top-k boundary: there PyTorch and onnxruntime (or two batch sizes) may keep different keys
    and both be right (model/knn_ties.py). With the gap asserted, a wrong graph still shows
    as a large difference and rounding cannot."""
    candidates = [torch.randint(0, 256, (4 * batch, *shape), dtype=torch.uint8) for _ in modalities]
    with torch.no_grad():
        chosen, gap = clearest_clips(wrapper, wrapper, candidates, batch)
    assert gap > CLEAR_GAP, f"no clips clear of k-NN ties (gap {gap:.2g}): pick another seed"
    return dict(zip(modalities, chosen))


def _run(path, feeds):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session, session.run(None, {k: v.numpy() for k, v in feeds.items()})


def test_unimodal_export_contract_and_parity(tiny_depth_onnx):
    """The depth-only tiny export (conftest, shared with the RealSense tests); an RGB-only
    graph is the same network under another input name, exported by `convert-official`
    in tests/training/export/test_convert_official.py."""
    net = tiny_net("depth")
    cfg = net.cfg
    for batch in (1, 3):
        wrapper = UnimodalClassifier(net)
        feeds = _clear_of_ties(wrapper, (cfg.frames, cfg.size, cfg.size, 3), batch, ["depth"])
        session, (logits,) = _run(tiny_depth_onnx, feeds)
        with torch.no_grad():
            ref = wrapper(feeds["depth"]).numpy()
        assert logits.shape == (batch, cfg.num_classes) and logits.dtype == np.float32
        np.testing.assert_allclose(logits, ref, rtol=1e-4, atol=1e-4)
    inputs = session.get_inputs()
    assert [i.name for i in inputs] == ["depth"]
    assert inputs[0].type == "tensor(uint8)"
    assert inputs[0].shape[1:] == [cfg.frames, cfg.size, cfg.size, 3]
    assert not isinstance(inputs[0].shape[0], int)  # dynamic batch
    card, meta = read_model_card(str(tiny_depth_onnx))
    assert card.modalities == ["depth"] and card.frames == cfg.frames
    assert card.labels == list(CLASS_NAMES)
    assert json.loads(meta["config"])["profile"] == "tiny"


def _fusion_export(profile: str, tiny_onnx, tmp_path):
    """(path, network): the session's tiny RGB-D export, or a fresh `lite` one here."""
    if profile == "tiny":
        return tiny_onnx, tiny_net("rgbd")
    cfg = get_profile(profile)
    net = build_model(cfg, "rgbd").eval()
    path = tmp_path / "m.onnx"
    report = export_onnx(net, _card(cfg, ["rgb", "depth"]), path)
    assert report.worst < 1e-3 and report.knn_gap > CLEAR_GAP
    return path, net


@pytest.mark.parametrize("profile", ["tiny", "lite"])
def test_fusion_export_contract_and_parity(tmp_path, tiny_onnx, profile):
    path, net = _fusion_export(profile, tiny_onnx, tmp_path)
    cfg = net.cfg
    wrapper = FusionClassifier(net)
    feeds = _clear_of_ties(wrapper, (cfg.frames, cfg.size, cfg.size, 3), 2, ["rgb", "depth"])
    session, outs = _run(path, feeds)
    assert [o.name for o in session.get_outputs()] == ["logits", "rgb_logits", "depth_logits"]
    with torch.no_grad():
        refs = wrapper(feeds["rgb"], feeds["depth"])
    for got, ref in zip(outs, refs):
        np.testing.assert_allclose(got, ref.numpy(), rtol=1e-4, atol=1e-4)
    card, _ = read_model_card(str(path))
    assert card.outputs == ["logits", "rgb_logits", "depth_logits"]
    assert card.profile == profile


def test_export_refuses_to_write_when_parity_fails(tmp_path, tiny_onnx):
    """The parity gate of every export, on the session's tiny graph with an impossible
    tolerance (tracing it again would only repeat a minute of work)."""
    card, _ = read_model_card(str(tiny_onnx))
    wrapper = FusionClassifier(tiny_net("rgbd")).eval()
    path = tmp_path / "m.onnx"
    with pytest.raises(ParityError, match="not written"):
        write_checked(onnx.load(str(tiny_onnx)), wrapper, card, path, tolerance=-1.0)
    assert not path.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary left behind
    report = write_checked(onnx.load(str(tiny_onnx)), wrapper, card, path)  # the same graph passes
    assert path.is_file() and report.worst < 1e-3


def test_export_refuses_a_wrong_graph(tmp_path, tiny_depth_onnx):
    """A graph of other weights (the depth-only model's where the RGB-D one was exported)
    fails the gate at the normal tolerance: parity can tell a wrong graph."""
    card, _ = read_model_card(str(tiny_depth_onnx))
    other = UnimodalClassifier(build_model(tiny_net("depth").cfg, "depth")).eval()  # fresh weights
    with pytest.raises(ParityError, match="not written"):
        write_checked(onnx.load(str(tiny_depth_onnx)), other, card, tmp_path / "m.onnx")
    assert list(tmp_path.iterdir()) == []


def test_fusion_export_requires_both_modalities(tmp_path):
    cfg = get_profile("tiny")
    net = build_model(cfg, "rgbd").eval()
    with pytest.raises(ValueError, match="modalities"):
        export_onnx(net, _card(cfg, ["rgb"]), tmp_path / "m.onnx")
