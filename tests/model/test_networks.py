"""Shapes, gradients, batch sizes and determinism of every profile."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from model import PROFILES, build_model, get_profile
from model.config import ModelConfig
from model.frp import frp_guidance
from model.inference import FusionClassifier, UnimodalClassifier
from model.losses import fusion_loss, unimodal_loss
from model.sampling import eval_indices, random_indices, segment_bounds

ALL_PROFILES = sorted(PROFILES)


def _cfg(profile: str, small: bool) -> ModelConfig:
    """The profile, at a reduced frame size for `paper` when `small` (the DSN is fully
    convolutional: parameters and the T-dependent layers are unchanged)."""
    cfg = get_profile(profile)
    if small and profile == "paper":
        cfg = dataclasses.replace(cfg, size=64)
    return cfg


def _frames(cfg: ModelConfig, batch: int) -> torch.Tensor:
    return torch.randn(batch, 3, cfg.frames, cfg.size, cfg.size)


def _guidance(x: torch.Tensor, cfg: ModelConfig) -> torch.Tensor:
    return frp_guidance(x, cfg.frp_window)


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize("batch", [1, 3])
def test_unimodal_shapes(profile, batch):
    cfg = _cfg(profile, small=True)
    net = build_model(cfg, "rgb").eval()
    x = _frames(cfg, batch)
    with torch.no_grad():
        out = net(x, _guidance(x, cfg))
    assert out.logits.shape == (batch, cfg.num_classes)
    assert all(b.shape == (batch, cfg.num_classes) for b in out.branch_logits)
    assert out.features.shape == (batch, cfg.dim)
    assert out.distillation.shape == ()
    assert torch.isfinite(out.logits).all()
    # The merged logits are the element-wise maximum of the branches.
    stacked = torch.stack(out.branch_logits)
    assert torch.equal(out.logits, stacked.max(dim=0).values)


@pytest.mark.parametrize("profile", ALL_PROFILES)
@pytest.mark.parametrize("layout", ["official", "per_frame"])
@pytest.mark.parametrize("batch", [1, 3])
def test_fusion_shapes(profile, layout, batch):
    cfg = _cfg(profile, small=True)
    cfg = dataclasses.replace(cfg, fusion=dataclasses.replace(cfg.fusion, layout=layout))
    net = build_model(cfg, "rgbd").eval()
    r, d = _frames(cfg, batch), _frames(cfg, batch)
    with torch.no_grad():
        out = net(r, d, _guidance(r, cfg), _guidance(d, cfg))
    for t in (out.logits, out.rgb_logits, out.depth_logits):
        assert t.shape == (batch, cfg.num_classes)
        assert torch.isfinite(t).all()
    assert out.reconstruction.shape == (batch, cfg.dim)


def _unused(net: torch.nn.Module) -> list[str]:
    return [n for n, p in net.named_parameters() if p.grad is None or not torch.any(p.grad != 0)]


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_unimodal_backward_reaches_every_parameter(profile):
    cfg = _cfg(profile, small=True)
    net = build_model(cfg, "depth").train()
    x = _frames(cfg, 2)
    out = net(x, _guidance(x, cfg))
    unimodal_loss(out, torch.tensor([0, 1]), distill_weight=1.0).total.backward()
    assert _unused(net) == []


@pytest.mark.parametrize("profile", ALL_PROFILES)
def test_fusion_backward_reaches_every_parameter(profile):
    cfg = _cfg(profile, small=True)
    net = build_model(cfg, "rgbd").train()
    # Dropout is random: fix the seed so the check is reproducible.
    torch.manual_seed(1)
    r, d = _frames(cfg, 2), _frames(cfg, 2)
    out = net(r, d, _guidance(r, cfg), _guidance(d, cfg))
    fusion_loss(net, out, torch.tensor([0, 1])).total.backward()
    assert _unused(net) == []


@pytest.mark.parametrize("profile", ["tiny", "lite"])
def test_eval_is_deterministic_and_batch_independent(profile):
    cfg = get_profile(profile)
    net = build_model(cfg, "rgbd").eval()
    wrapper = FusionClassifier(net)
    rgb = torch.randint(0, 256, (3, cfg.frames, cfg.size, cfg.size, 3), dtype=torch.uint8)
    depth = torch.randint(0, 256, (3, cfg.frames, cfg.size, cfg.size, 3), dtype=torch.uint8)
    with torch.no_grad():
        a = wrapper(rgb, depth)
        b = wrapper(rgb, depth)
        single = wrapper(rgb[1:2], depth[1:2])
    for x, y, s in zip(a, b, single):
        assert torch.equal(x, y)
        torch.testing.assert_close(x[1:2], s, rtol=1e-4, atol=1e-4)


def test_training_mode_samples_at_random_but_eval_does_not():
    cfg = get_profile("tiny")
    net = build_model(cfg, "rgb")
    x = torch.randn(1, 3, cfg.frames, cfg.size, cfg.size)
    g = _guidance(x, cfg)
    net.train()
    torch.manual_seed(0)
    outs = {tuple(net(x, g).logits.flatten().tolist()) for _ in range(6)}
    assert len(outs) > 1  # dropout and random segment sampling
    quirk = dataclasses.replace(cfg, temporal=dataclasses.replace(cfg.temporal, official_random_eval_sampling=True))
    net_q = build_model(quirk, "rgb")
    net_q.load_state_dict(net.state_dict())
    net_q.eval()
    with torch.no_grad():
        quirky = {tuple(net_q(x, g).logits.flatten().tolist()) for _ in range(8)}
        plain = {tuple(net.eval()(x, g).logits.flatten().tolist()) for _ in range(3)}
    assert len(plain) == 1
    assert len(quirky) > 1


def test_segment_sampling_rules():
    assert segment_bounds(64, 16)[0] == (0, 4)
    assert eval_indices(64, 16)[:3] == [1, 5, 9]
    assert eval_indices(64, 32)[:3] == [0, 2, 4]
    # Fewer frames than segments: indices repeat.
    assert eval_indices(3, 6) == [0, 0, 1, 1, 2, 2]
    for _ in range(20):
        idx = random_indices(64, 48)
        for i, (lo, hi) in zip(idx.tolist(), segment_bounds(64, 48)):
            assert lo <= i < hi


def test_unimodal_classifier_takes_uint8_and_matches_manual_pipeline():
    cfg = get_profile("tiny")
    net = build_model(cfg, "rgb").eval()
    frames = torch.randint(0, 256, (2, cfg.frames, cfg.size, cfg.size, 3), dtype=torch.uint8)
    x = ((frames.float() - 127.5) / 128).permute(0, 4, 1, 2, 3)
    with torch.no_grad():
        ref = net(x, frp_guidance(x, cfg.frp_window)).logits
        got = UnimodalClassifier(net)(frames)
    torch.testing.assert_close(got, ref)


def test_rcm_window_must_match():
    cfg = get_profile("tiny")
    net = build_model(cfg, "rgb").eval()
    x = torch.randn(1, 3, cfg.frames + 2, cfg.size, cfg.size)
    with pytest.raises(RuntimeError):
        net(x, _guidance(x, cfg))


def test_config_rejects_inconsistent_widths():
    cfg = get_profile("tiny")
    with pytest.raises(ValueError, match="local_inception"):
        dataclasses.replace(cfg, dim=cfg.dim + 1)
    with pytest.raises(KeyError, match="known"):
        get_profile("huge")


def test_knn_boundary_gap_sees_ties_and_clear_rows():
    from model.knn_ties import CLEAR_GAP, clearest_clips, knn_boundary_gap
    from model.transformer import KNNAttention

    attn = KNNAttention(dim=8, heads=1, head_dim=8, knn_ratio=0.7, dropout=0.0).eval()
    g = torch.Generator().manual_seed(3)
    tokens = torch.randn(4, 5, 8, generator=g)
    tied = tokens.clone()
    tied[1, 2:] = tied[1, 1]  # four identical keys: every row of clip 1 ties at its k-th score
    gaps = knn_boundary_gap(lambda: attn(tied), attn)
    assert gaps.shape == (4,)
    assert gaps[1].item() == 0.0 and gaps[[0, 2, 3]].min().item() > CLEAR_GAP
    chosen, gap = clearest_clips(attn, attn, [tied], 2)
    assert chosen[0].shape == (2, 5, 8) and gap > CLEAR_GAP
    assert not any(torch.equal(c, tied[1]) for c in chosen[0])
