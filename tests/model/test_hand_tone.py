"""The hand tone: what it measures per frame, the head's start and invariances, and a fusion
network that reads it."""

from __future__ import annotations

import dataclasses
import math

import torch

from model import build_model, get_profile
from model.frp import frp_guidance
from model.hand_tone import HandToneHead, hand_tone
from model.inference import FusionClassifier
from model.preprocess import normalise_frames


def _scene(hand_luma: float, back_luma: float = 100.0, size: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    """One frame [1, 1, H, W, 3]: a 10 x 10 'hand' (grey depth 200) before a wall (grey 50)."""
    rgb = torch.full((1, 1, size, size, 3), back_luma)
    depth = torch.full((1, 1, size, size, 3), 50.0)
    rgb[:, :, 8:18, 8:18] = hand_luma
    depth[:, :, 8:18, 8:18] = 200.0
    return rgb, depth


def test_the_tone_is_the_nearest_regions_luma_against_the_frames():
    rgb, depth = _scene(hand_luma=200.0)
    frame = (100 * (32 * 32 - 100) + 200 * 100) / (32 * 32)
    expected = math.log((200 + 8) / (frame + 8))
    torch.testing.assert_close(hand_tone(rgb, depth), torch.tensor([[expected]]), rtol=1e-4, atol=1e-4)
    # A darker hand (the back of it) reads lower.
    darker = hand_tone(*_scene(hand_luma=120.0))
    assert darker.item() < expected
    # A lone flying pixel nearer still does not become "the hand" (it only joins it).
    depth[:, :, 30, 30] = 255.0
    assert abs(hand_tone(rgb, depth).item() - expected) < 0.01


def test_frames_without_depth_or_colour_read_zero():
    rgb, depth = _scene(hand_luma=200.0)
    assert hand_tone(rgb, torch.zeros_like(depth)).item() == 0.0  # no valid depth
    assert abs(hand_tone(torch.full_like(rgb, 77.0), depth).item()) < 1e-6  # a blank colour frame


def test_the_head_starts_at_zero_and_reads_only_the_course():
    head = HandToneHead(frames=8, num_classes=5)
    tones = torch.randn(3, 8)
    assert torch.count_nonzero(head(tones)) == 0
    torch.nn.init.normal_(head.linear.weight)
    # A whole window lighter or darker (skin tone, exposure) changes nothing.
    torch.testing.assert_close(head(tones + 0.7), head(tones))
    assert head(tones).shape == (3, 5)


def test_a_fusion_network_with_the_head_adds_it_to_the_fused_logits():
    cfg = get_profile("tiny")
    plain = build_model(cfg, "rgbd").eval()
    toned = build_model(cfg.with_(fusion=dataclasses.replace(cfg.fusion, hand_tone=True)), "rgbd")
    missing, unexpected = toned.load_state_dict(plain.state_dict(), strict=False)
    assert not unexpected and sorted(missing) == ["hand_tone.linear.bias", "hand_tone.linear.weight"]
    toned.eval()
    rgb = torch.randint(0, 256, (2, cfg.frames, cfg.size, cfg.size, 3), dtype=torch.uint8)
    depth = torch.randint(0, 256, (2, cfg.frames, cfg.size, cfg.size, 3), dtype=torch.uint8)
    with torch.no_grad():
        base = FusionClassifier(plain)(rgb, depth)
        same = FusionClassifier(toned)(rgb, depth)  # zero head: the same answers
        torch.testing.assert_close(same[0], base[0])
        toned.hand_tone.linear.weight.normal_()
        moved = FusionClassifier(toned)(rgb, depth)
    tones = hand_tone(rgb, depth)
    torch.testing.assert_close(moved[0], base[0] + toned.hand_tone(tones), rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(moved[1], base[1])  # the single-modality heads are untouched
    # Training reaches the head through the usual forward.
    toned.train()
    r, d = normalise_frames(rgb), normalise_frames(depth)
    out = toned(r, d, frp_guidance(r, cfg.frp_window), frp_guidance(d, cfg.frp_window))
    out.logits.sum().backward()
    assert toned.hand_tone.linear.weight.grad is not None and toned.hand_tone.linear.weight.grad.abs().sum() > 0
