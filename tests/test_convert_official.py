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
from tests.golden_weights import golden_state_dict
from tests.server_utils import run_gesture


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
def test_convert_official_unimodal_paper_checkpoint(tmp_path, network_golden):
    """The golden official unimodal checkpoint (`module.` prefix, depth by its -K name)."""
    keys = network_golden["unimodal"]["keys"]
    ckpt = _save_official(golden_state_dict(keys), tmp_path / "model_best-Nv-K.pth.tar")
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"nv_{i}" for i in range(25)) + "\n")
    out = tmp_path / "nv_depth.onnx"
    res = gesture("convert-official", ckpt, "--out", out, "--frp-window", 4, "--labels", labels)
    assert res.returncode == 0, res.stderr + res.stdout
    info = json.loads(gesture("info", out, "--json").stdout)
    assert (
        json.loads(info["modalities"]) == ["depth"]
        if isinstance(info["modalities"], str)
        else info["modalities"] == ["depth"]
    )
    assert info["labels"][3] == "nv_3" and info["frames"] == "64" and info["height"] == "224"
    assert info["frp_window"] == "4" and info["profile"] == "official"

    # Our PyTorch pipeline, built independently of the converter, on raw uint8 frames.
    state = golden_state_dict(keys)
    cfg, _ = infer_config(state, frp_window=4)
    net = build_model(cfg, "depth")
    load_official_weights(net, state)
    frames = torch.randint(0, 256, (1, 64, 224, 224, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        ref = UnimodalClassifier(net.eval())(frames)
    (logits,) = _ort(out, {"depth": frames.numpy()})
    _assert_close(logits, ref)


@pytest.mark.slow
def test_convert_official_fusion_checkpoint(tmp_path, network_golden):
    keys = network_golden["fusion"]["keys"]
    ckpt = _save_official(golden_state_dict(keys), tmp_path / "fusion.pth.tar")
    out = tmp_path / "nv_rgbd.onnx"
    # A smaller frame size keeps the test quick; the weights do not depend on it.
    res = gesture("convert-official", ckpt, "--out", out, "--frp-window", 4, "--size", 96)
    assert res.returncode == 0, res.stderr + res.stdout
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


@pytest.mark.parametrize("kind", ["unimodal", "fusion"])
def test_convert_official_infers_other_configurations(tmp_path, kind):
    """Other class counts, RCM widths and FRP windows come back from the tensors alone."""
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
    ckpt = _save_official(net.state_dict(), tmp_path / "thu-M.pth.tar")
    out = tmp_path / "m.onnx"
    res = gesture("convert-official", ckpt, "--out", out, "--frp-window", 5, "--size", cfg.size)
    assert res.returncode == 0, res.stderr + res.stdout
    inferred, got_kind = infer_config(net.state_dict(), size=cfg.size, frp_window=5)
    assert got_kind == kind
    assert inferred.num_classes == 40 and inferred.temporal.rcm_hidden == 12
    assert inferred.spatial == cfg.spatial and inferred.temporal.branch_tokens == cfg.temporal.branch_tokens
    g = torch.Generator().manual_seed(3)
    shape = (2, cfg.frames, cfg.size, cfg.size, 3)
    if kind == "fusion":
        feeds = {m: torch.randint(0, 256, shape, dtype=torch.uint8, generator=g) for m in ("rgb", "depth")}
        with torch.no_grad():
            refs = FusionClassifier(net)(feeds["rgb"], feeds["depth"])
    else:
        feeds = {"rgb": torch.randint(0, 256, shape, dtype=torch.uint8, generator=g)}
        with torch.no_grad():
            refs = (UnimodalClassifier(net)(feeds["rgb"]),)
    outs = _ort(out, {k: v.numpy() for k, v in feeds.items()})
    for got, ref in zip(outs, refs):
        _assert_close(got, ref)


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
