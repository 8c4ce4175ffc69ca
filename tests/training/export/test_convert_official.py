"""`gesture convert-official` and `gesture info`, end to end through the real CLI."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
import torch

from model import build_model, get_profile
from model.inference import FusionClassifier, UnimodalClassifier
from model.official import infer_config, load_official_weights
from tests.support.golden_weights import golden_inputs, golden_state_dict
from tests.support.server_utils import run_gesture
from training.export.convert_official import load_official


def gesture(*args: str) -> subprocess.CompletedProcess:
    return run_gesture(*args, timeout=900)


def _save_official(state: dict, path: Path) -> Path:
    prefixed = {f"module.{k}": v for k, v in state.items()}
    torch.save({"model": prefixed, "optimizer": {}, "epoch": 99, "bestacc": 91.7}, path)
    return path


def _ort(path: Path, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, feeds)


def _assert_close(got: np.ndarray, ref: torch.Tensor) -> None:
    ref_np = ref.numpy()
    assert np.abs(got - ref_np).max() <= 2e-3 * max(1.0, float(np.abs(ref_np).max()))


@pytest.mark.slow
def test_official_unimodal_checkpoint_file_reproduces_the_golden_logits(tmp_path, network_golden):
    """The golden official unimodal checkpoint as a release file (`module.` prefix, nested
    under `model`, depth by its -K name), loaded the way `convert-official` loads it, gives
    the official logits. Its ONNX export is the fusion test's below (one paper-size export
    per suite: it takes minutes); tiny unimodal exports go through the same command."""
    gold = network_golden["unimodal"]
    ckpt = _save_official(golden_state_dict(gold["keys"]), tmp_path / "model_best-Nv-K.pth.tar")
    loaded = load_official(ckpt, frp_window=4)
    assert loaded.kind == "unimodal" and loaded.modalities == ["depth"]
    assert loaded.cfg.frames == 64 and loaded.cfg.size == 224 and loaded.cfg.num_classes == gold["num_classes"]
    x, guidance = golden_inputs(gold["input_seed"])
    with torch.no_grad():
        logits = loaded.net(x, guidance).logits
    _assert_close(logits.numpy(), torch.tensor(gold["logits"]).view(logits.shape))


@pytest.mark.slow
def test_convert_official_fusion_checkpoint(tmp_path, network_golden):
    keys = network_golden["fusion"]["keys"]
    ckpt = _save_official(golden_state_dict(keys), tmp_path / "fusion.pth.tar")
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"nv_{i}" for i in range(25)) + "\n")
    out = tmp_path / "nv_rgbd.onnx"
    # A smaller frame size keeps the test quick; the weights do not depend on it.
    res = gesture("convert-official", ckpt, "--out", out, "--frp-window", 4, "--size", 96, "--labels", labels)
    assert res.returncode == 0, res.stderr + res.stdout
    info = json.loads(gesture("info", out, "--json").stdout)
    assert info["labels"][3] == "nv_3" and info["frames"] == "64" and info["height"] == "96"
    assert info["frp_window"] == "4" and info["profile"] == "official"

    # Our PyTorch pipeline, built independently of the converter, on raw uint8 frames.
    state = golden_state_dict(keys)
    cfg, kind = infer_config(state, size=96, frp_window=4)
    assert kind == "fusion" and cfg.fusion.layout == "official"
    net = build_model(cfg, "rgbd")
    load_official_weights(net, state)
    g = torch.Generator().manual_seed(7)
    rgb = torch.randint(0, 256, (2, 64, 96, 96, 3), dtype=torch.uint8, generator=g)
    depth = torch.randint(0, 256, (2, 64, 96, 96, 3), dtype=torch.uint8, generator=g)
    with torch.no_grad():
        refs = FusionClassifier(net.eval())(rgb, depth)
    outs = _ort(out, {"rgb": rgb.numpy(), "depth": depth.numpy()})
    for got, ref in zip(outs, refs):
        _assert_close(got, ref)


def _other_configuration(kind: str) -> torch.nn.Module:
    """A tiny network of other class count, RCM width and FRP window, non-trivial weights."""
    base = get_profile("tiny")
    cfg = dataclasses.replace(
        base,
        num_classes=40,
        frp_window=5,
        # Heads are not stored in checkpoints: official models have 8 (here 8 x 4 wide).
        temporal=dataclasses.replace(base.temporal, rcm_hidden=12, heads=8, head_dim=4),
        fusion=dataclasses.replace(base.fusion, layout="official"),
    )
    net = build_model(cfg, "rgbd" if kind == "fusion" else "rgb").eval()
    for p in net.parameters():  # non-trivial weights everywhere
        torch.nn.init.normal_(p, std=0.2) if p.dim() > 1 else None
    return net


@pytest.mark.parametrize("kind", ["unimodal", "fusion"])
def test_other_configurations_come_back_from_the_tensors(tmp_path, kind):
    """Other class counts, RCM widths and FRP windows come back from the tensors alone, and
    the loaded network computes what the saved one did."""
    net = _other_configuration(kind)
    cfg = net.cfg
    ckpt = _save_official(net.state_dict(), tmp_path / "thu-M.pth.tar")
    inferred, got_kind = infer_config(net.state_dict(), size=cfg.size, frp_window=5)
    assert got_kind == kind
    assert inferred.num_classes == 40 and inferred.temporal.rcm_hidden == 12
    assert inferred.spatial == cfg.spatial and inferred.temporal.branch_tokens == cfg.temporal.branch_tokens
    loaded = load_official(ckpt, frp_window=5, size=cfg.size)
    g = torch.Generator().manual_seed(3)
    clips = [torch.randint(0, 256, (2, cfg.frames, cfg.size, cfg.size, 3), dtype=torch.uint8, generator=g)]
    wrap = UnimodalClassifier
    if kind == "fusion":
        clips.append(torch.randint(0, 256, clips[0].shape, dtype=torch.uint8, generator=g))
        wrap = FusionClassifier
    with torch.no_grad():
        for got, ref in zip(_tuple(wrap(loaded.net)(*clips)), _tuple(wrap(net)(*clips))):
            torch.testing.assert_close(got, ref)


def _tuple(out):
    return out if isinstance(out, tuple) else (out,)


def test_convert_official_exports_another_configuration(tmp_path):
    """`gesture convert-official` end to end on a unimodal RGB checkpoint of another
    configuration: the ONNX file computes what the saved network did."""
    net = _other_configuration("unimodal")
    cfg = net.cfg
    ckpt = _save_official(net.state_dict(), tmp_path / "thu-M.pth.tar")
    out = tmp_path / "m.onnx"
    res = gesture("convert-official", ckpt, "--out", out, "--frp-window", 5, "--size", cfg.size)
    assert res.returncode == 0, res.stderr + res.stdout
    rgb = torch.randint(0, 256, (2, cfg.frames, cfg.size, cfg.size, 3), dtype=torch.uint8)
    with torch.no_grad():
        ref = UnimodalClassifier(net)(rgb)
    (logits,) = _ort(out, {"rgb": rgb.numpy()})
    _assert_close(logits, ref)
    info = json.loads(gesture("info", out, "--json").stdout)
    assert info["modalities"] in (["rgb"], '["rgb"]') and info["profile"] == "official"


def test_convert_official_errors_are_clear(tmp_path):
    missing = gesture("convert-official", tmp_path / "nope.pth.tar", "--out", tmp_path / "x.onnx", "--frp-window", 4)
    assert missing.returncode == 2 and "not found" in missing.stdout + missing.stderr
    garbage = tmp_path / "garbage.pth.tar"
    garbage.write_bytes(b"\x00not a checkpoint" * 10)
    res = gesture("convert-official", garbage, "--out", tmp_path / "x.onnx", "--frp-window", 4)
    assert res.returncode == 2 and "error" in (res.stdout + res.stderr).lower()
    wrong = tmp_path / "wrong.pth.tar"
    torch.save({"model": {"foo.weight": torch.zeros(3)}}, wrong)
    res = gesture("convert-official", wrong, "--out", tmp_path / "x.onnx", "--frp-window", 4)
    assert res.returncode == 2 and "not a MotionRGBD state dict" in res.stdout + res.stderr
    assert not (tmp_path / "x.onnx").exists()


def test_info_rejects_non_model(tmp_path):
    bogus = tmp_path / "bogus.onnx"
    bogus.write_bytes(b"hello")
    res = gesture("info", bogus)
    assert res.returncode == 2 and "not a loadable ONNX model" in res.stdout + res.stderr
