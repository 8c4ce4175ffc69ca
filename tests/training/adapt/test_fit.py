"""The adapt loop on cached trunk features: the starting weights stay when no epoch beats
them on the held-out takes, and training replaces them when one does."""

from __future__ import annotations

import time

import torch

from tests.support.tiny_models import tiny_net
from training.adapt.fit import fit, predict
from training.adapt.views import Views
from training.train_config import OptimConfig

OPTIM = OptimConfig(name="adamw", epochs=8, batch_size=8, lr=0.003, lr_min=0.0001, weight_decay=0.0)


def _views(features: torch.Tensor, labels: torch.Tensor) -> Views:
    return Views({"depth": features}, labels, torch.arange(len(labels)))


def _start():
    """The tiny depth network and 48 random trunk outputs [48, T, C5] with its own answers."""
    net = tiny_net("depth")
    cfg = net.cfg
    torch.manual_seed(1)
    feats = torch.randn(48, cfg.frames, 64)
    own = torch.from_numpy(predict(net, _views(feats, torch.zeros(48, dtype=torch.int64))).argmax(1))
    return net, feats, own


def test_the_starting_weights_stay_when_every_epoch_scores_worse_on_the_held_out_takes():
    net, feats, own = _start()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    held = _views(feats[:16], own[:16])  # the start answers all of these right
    wrong = _views(feats, (own + 1) % 13)  # training pulls every answer away
    result = fit(net, wrong, held, "temporal", OPTIM, time.monotonic() + 600, progress=False)
    assert result.epochs >= 1 and result.best_epoch == 0
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)


def test_an_epoch_that_scores_better_on_the_held_out_takes_replaces_the_start():
    net, feats, own = _start()
    target = (own + 1) % 13
    held = _views(feats[:16], target[:16])  # the start answers none of these right
    result = fit(net, _views(feats, target), held, "temporal", OPTIM, time.monotonic() + 600, progress=False)
    assert result.best_epoch >= 1
    assert (predict(net, held).argmax(1) == target[:16].numpy()).mean() > 0


def test_a_base_with_the_hand_tone_head_keeps_reading_it_while_adapting():
    import dataclasses

    from model import build_model, get_profile
    from model.inference import FusionClassifier
    from training.adapt.fit import trainable
    from training.adapt.views import trunk_features

    cfg = get_profile("tiny")
    net = build_model(cfg.with_(fusion=dataclasses.replace(cfg.fusion, hand_tone=True)), "rgbd").eval()
    with torch.no_grad():
        net.hand_tone.linear.weight.normal_(0, 3.0)
    frames = {
        m: torch.randint(0, 256, (24, cfg.frames, cfg.size, cfg.size, 3), dtype=torch.uint8) for m in ("rgb", "depth")
    }
    feats = trunk_features(net, frames)
    assert feats["tone"].shape == (24, cfg.frames)
    views = Views(feats, torch.zeros(24, dtype=torch.int64), torch.arange(24))
    # The cached path gives what the whole network gives, tone included.
    with torch.no_grad():
        full = FusionClassifier(net)(frames["rgb"], frames["depth"])[0]
    torch.testing.assert_close(torch.from_numpy(predict(net, views)), full, rtol=1e-4, atol=1e-4)
    assert "hand_tone.linear.weight" in trainable(net, "temporal") and "hand_tone.linear.weight" in trainable(
        net, "head"
    )
    result = fit(net, views, views, "head", OPTIM, time.monotonic() + 600, progress=False)
    assert result.epochs >= 1
