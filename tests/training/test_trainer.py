"""Training: config, schedule, the loop with exact resume, fusion initialisation, export,
evaluation and 2-process DDP, on a small generated SynthGesture set with the tiny profile."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from tests.support.server_utils import ROOT
from tests.support.tiny_models import TRAIN_CONFIG as CONFIG
from tests.support.tiny_models import tiny_training_overrides as _overrides
from training.checkpoint import CheckpointError, load_checkpoint
from training.train_config import ConfigError, load_train_config
from training.trainer import Trainer, lr_factor


def test_config_rejects_unknown_keys_and_bad_values(tmp_path):
    with pytest.raises(ConfigError, match="optim.bogus"):
        load_train_config(CONFIG, ["optim.bogus=1"])
    with pytest.raises(ConfigError, match="modalities"):
        load_train_config(CONFIG, ["modalities=thermal"])
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: [unclosed\n")
    with pytest.raises(ConfigError, match="YAML"):
        load_train_config(bad)
    cfg = load_train_config(CONFIG, ["optim.lr=0.5", "data.root=/x"])
    assert cfg.optim.lr == 0.5 and cfg.data.root == "/x" and cfg.modalities == "rgb"


@pytest.mark.parametrize("name", ["synth-lite-rgb", "synth-lite-depth", "synth-lite-rgbd"])
def test_shipped_configs_load(name):
    cfg = load_train_config(ROOT / "training" / "configs" / f"{name}.yaml")
    assert cfg.profile == "lite"


def test_lr_schedule_warms_up_then_decays_to_min():
    f = [lr_factor(s, 100, 10, 0.01, 1e-5) for s in range(100)]
    assert f[0] == pytest.approx(0.1) and f[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in zip(f[10:], f[11:]))
    assert lr_factor(100, 100, 10, 0.01, 1e-5) * 0.01 == pytest.approx(1e-5)
    assert f[-1] * 0.01 < 2e-5


def test_train_checkpoint_and_exact_resume(synth_small, tmp_path):
    straight = tmp_path / "straight"
    Trainer(load_train_config(CONFIG, _overrides(synth_small, straight)), progress=False).run()
    records = [json.loads(x) for x in (straight / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in records] == [1, 2]
    assert all("valid_top1" in r and "loss" in r and "distill" in r for r in records)
    assert (straight / "best.pt").is_file() and (straight / "last.pt").is_file()

    # The same config, stopped after epoch 1 and resumed from its checkpoint, ends with
    # the same weights (data order, augmentation, schedule and RNG all restored).
    split2 = tmp_path / "split2"
    cfg2 = load_train_config(CONFIG, _overrides(synth_small, split2))
    t = Trainer(cfg2, progress=False)
    t.train_epoch(0)
    t.best_top1 = t.validate()
    from training.checkpoint import save_checkpoint

    save_checkpoint(split2 / "last.pt", t._payload(0, t.best_top1))
    resumed = Trainer(cfg2, resume=True, progress=False)
    assert resumed.start_epoch == 1
    resumed.run()
    a = load_checkpoint(straight / "last.pt")["model"]
    b = load_checkpoint(split2 / "last.pt")["model"]
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_fusion_starts_from_unimodal_checkpoints(synth_small, tmp_path):
    for m in ("rgb", "depth"):
        Trainer(
            load_train_config(CONFIG, _overrides(synth_small, tmp_path / m, modalities=m, **{"optim.epochs": 1})),
            progress=False,
        ).run()
    cfg = load_train_config(
        CONFIG,
        _overrides(
            synth_small,
            tmp_path / "rgbd",
            modalities="rgbd",
            **{
                "init.rgb_checkpoint": tmp_path / "rgb" / "best.pt",
                "init.depth_checkpoint": tmp_path / "depth" / "best.pt",
                "optim.epochs": 1,
            },
        ),
    )
    trainer = Trainer(cfg, progress=False)
    rgb_state = load_checkpoint(tmp_path / "rgb" / "best.pt")["model"]
    key = "Mixed_4b.b0.conv3d.weight"
    assert torch.equal(trainer.net.Modalit_rgb.state_dict()[key], rgb_state[key])
    assert not torch.equal(trainer.net.Modalit_depth.state_dict()[key], rgb_state[key])
    trainer.run()
    swapped = load_train_config(
        CONFIG,
        _overrides(
            synth_small, tmp_path / "bad", modalities="rgbd", **{"init.rgb_checkpoint": tmp_path / "depth" / "best.pt"}
        ),
    )
    with pytest.raises(CheckpointError, match="expected rgb"):
        Trainer(swapped, progress=False)


def test_feature_teacher_distils_depth_maps_into_the_rgb_run(synth_small, tmp_path):
    Trainer(
        load_train_config(CONFIG, _overrides(synth_small, tmp_path / "depth", modalities="depth")), progress=False
    ).run()
    teacher = tmp_path / "depth" / "best.pt"
    student_cfg = load_train_config(
        CONFIG, _overrides(synth_small, tmp_path / "rgb", modalities="rgb", **{"teacher.checkpoint": teacher})
    )
    trainer = Trainer(student_cfg, progress=False)
    assert trainer.train_ds.modalities == ["rgb", "depth"]  # the paired depth frames feed the teacher
    before = {k: v.clone() for k, v in trainer.teacher.teacher.state_dict().items()}
    trainer.run()
    records = [json.loads(line) for line in (tmp_path / "rgb" / "metrics.jsonl").read_text().splitlines()]
    assert all(r["teacher"] > 0 and r["teacher"] == r["teacher"] for r in records)  # positive, not NaN
    after = trainer.teacher.teacher.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # the teacher stays frozen
    assert load_checkpoint(tmp_path / "rgb" / "best.pt")["modalities"] == "rgb"
    with pytest.raises(ConfigError, match="other modality"):
        Trainer(
            load_train_config(
                CONFIG,
                _overrides(synth_small, tmp_path / "x", modalities="depth", **{"teacher.checkpoint": teacher}),
            ),
            progress=False,
        )
    with pytest.raises(ConfigError, match="unimodal runs"):
        load_train_config(
            CONFIG, _overrides(synth_small, tmp_path / "y", modalities="rgbd", **{"teacher.checkpoint": teacher})
        )


def test_export_and_evaluate_through_the_cli(synth_small, trained_tiny, tmp_path):
    """`trained_tiny` ran `gesture export` on a checkpoint (conftest); here: what it wrote,
    and `gesture evaluate` of the checkpoint and of its export agreeing clip for clip."""
    gesture = [sys.executable, "-m", "training.cli"]
    onnx_path = trained_tiny.onnx
    # `gesture export` writes the incremental stages next to the full graph by default.
    assert onnx_path.with_suffix(".frame.onnx").is_file() and onnx_path.with_suffix(".window.onnx").is_file()
    results = {}
    for model in (trained_tiny.checkpoint, onnx_path):
        res = subprocess.run(
            [
                *gesture,
                "evaluate",
                "--model",
                str(model),
                "--data",
                str(synth_small),
                "--json",
                "--confusion",
                str(tmp_path / f"{model.suffix}.png"),
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert res.returncode == 0, res.stderr
        results[model.suffix] = json.loads(res.stdout)
        assert (tmp_path / f"{model.suffix}.png").is_file()
    # The checkpoint and its ONNX export classify the same clips identically.
    assert results[".pt"]["top1"] == results[".onnx"]["top1"]
    assert results[".pt"]["confusion"] == results[".onnx"]["confusion"]
    assert sum(map(sum, results[".onnx"]["confusion"])) == results[".onnx"]["count"] > 0


def test_evaluate_reports_missing_data_clearly(tmp_path):
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.cli",
            "evaluate",
            "--model",
            str(tmp_path / "x.onnx"),
            "--data",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 2 and "error" in res.stdout + res.stderr


def test_ddp_two_cpu_processes_end_with_identical_weights(synth_small, tmp_path):
    out = tmp_path / "ddp"
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc-per-node",
        "2",
        str(ROOT / "tests" / "support" / "ddp_worker.py"),
        str(CONFIG),
        str(out),
        *_overrides(synth_small, out / "run", **{"optim.batch_size": 2, "optim.epochs": 1}),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env, cwd=ROOT)
    assert res.returncode == 0, res.stderr[-3000:]
    a, b = torch.load(out / "rank0.pt"), torch.load(out / "rank1.pt")
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k
    # Batch norm statistics were synchronised (CPUSyncBatchNorm), so they moved from init.
    assert any("running_mean" in k and a[k].abs().sum() > 0 for k in a)


def test_the_train_command_says_what_it_does_before_and_while_it_runs(synth_small, tmp_path):
    from tests.support.server_utils import run_gesture

    overrides = _overrides(synth_small, tmp_path / "run", **{"optim.distill_warmup_epochs": 1})
    res = run_gesture("train", CONFIG, *overrides, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    text = " ".join((res.stdout + res.stderr).split())
    assert "reading the data and building the network" in text
    assert "training and" in text and "validation clips of 13 classes; 2 epochs of 2 steps" in text
    assert "top-1 train" in text and "valid" in text
    assert "epoch 2: the recoupling distillation term joins the loss" in text  # the jump is announced


def test_a_run_continues_from_an_onnx_export_with_frozen_batchnorm(synth_small, trained_tiny, tmp_path):
    # the bundled model exists only as ONNX: a run can start from it (training/onnx_init.py)
    from torch.nn.modules.batchnorm import _BatchNorm

    overrides = _overrides(synth_small, tmp_path / "more", modalities="rgbd", **{"init.checkpoint": trained_tiny.onnx})
    trainer = Trainer(load_train_config(CONFIG, overrides), progress=False)
    before = {k: v.clone() for k, v in trainer.net.state_dict().items()}
    trainer.run()
    after = trainer.net.state_dict()
    # folded BatchNorms keep their statistics (batch statistics would undo the fold) ...
    stats = [k for k in before if k.endswith(("running_mean", "running_var"))]
    assert stats and all(torch.equal(before[k], after[k]) for k in stats)
    assert all(not m.training for m in trainer.net.modules() if isinstance(m, _BatchNorm))
    # ... while the convolutions learn
    assert not torch.equal(
        before["Modalit_rgb.Mixed_4b.b0.conv3d.weight"], after["Modalit_rgb.Mixed_4b.b0.conv3d.weight"]
    )
    # the objective is the classification terms only: the graph holds no trained decoder,
    # discriminator or distillation projection
    for r in (json.loads(x) for x in (tmp_path / "more" / "metrics.jsonl").read_text().splitlines()):
        assert r["loss"] == pytest.approx(r["ce"], rel=1e-5) and r["mse"] > 0

    wrong = _overrides(synth_small, tmp_path / "bad", modalities="depth", **{"init.checkpoint": trained_tiny.onnx})
    with pytest.raises(ConfigError, match="is a rgbd model, the run is depth"):
        Trainer(load_train_config(CONFIG, wrong), progress=False)
    with pytest.raises(ConfigError, match="init.checkpoint: model not found"):
        missing = _overrides(
            synth_small, tmp_path / "x", modalities="rgbd", **{"init.checkpoint": tmp_path / "no.onnx"}
        )
        Trainer(load_train_config(CONFIG, missing), progress=False)
