"""Shared test set-up: deterministic torch on the CI's 2 cores, paths to shared data."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLDEN = SHARED / "golden"


@pytest.fixture(autouse=True)
def _seed_torch():
    try:
        import torch
    except ImportError:  # serving-only environments
        yield
        return
    torch.manual_seed(0)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    yield


@pytest.fixture(scope="session")
def network_golden() -> dict:
    path = GOLDEN / "official_network_golden.json"
    if not path.is_file():
        pytest.fail(f"golden file missing: {path} (shared/ must sit beside the checkout)")
    return json.loads(path.read_text())


@pytest.fixture(scope="session")
def frp_golden() -> dict:
    return json.loads((GOLDEN / "frp_guidance_golden.json").read_text())


def _once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder filled by `make(folder)` once per test run, shared by every pytest-xdist
    worker (the first one makes it under a file lock, the others wait and reuse it)."""
    from filelock import FileLock

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above the per-worker ones
    folder = root / f"shared-{name}"
    with FileLock(str(folder) + ".lock"):
        if not (folder / ".done").is_file():
            shutil.rmtree(folder, ignore_errors=True)  # a worker that failed half-way
            folder.mkdir()
            make(folder)
            (folder / ".done").touch()
    return folder


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory) -> Path:
    """An untrained tiny RGB-D model (`tests.support.tiny_models.tiny_net("rgbd")`: 13 SynthGesture
    labels, stream window 12, no stages), exported once per test run for every test that only
    reads it (an export takes about a minute)."""
    from tests.support.tiny_models import export_tiny

    return _once(tmp_path_factory, "tiny", lambda d: export_tiny(d / "tiny.onnx")) / "tiny.onnx"


@pytest.fixture(scope="session")
def tiny_depth_onnx(tmp_path_factory) -> Path:
    """`tiny_net("depth")` exported once per test run (stream window 12, no stages)."""
    from tests.support.tiny_models import export_tiny

    make = lambda d: export_tiny(d / "tiny-depth.onnx", modalities="depth")  # noqa: E731
    return _once(tmp_path_factory, "tiny-depth", make) / "tiny-depth.onnx"


@pytest.fixture(scope="session")
def synth_small(tmp_path_factory) -> Path:
    """SynthGesture-RGBD, 3 clips per class at 48 px (seed 11), made once per test run."""
    from training.synth import write_dataset

    make = lambda d: write_dataset(d, clips_per_class=3, seed=11, size=48, workers=1, progress=False)  # noqa: E731
    return _once(tmp_path_factory, "synth-small", make)


@dataclass(frozen=True)
class TrainedTiny:
    checkpoint: Path  # best.pt of a few-step tiny RGB-D run on `synth_small`
    onnx: Path  # its `gesture export --stream-window 16`, with x.frame.onnx and x.window.onnx


@pytest.fixture(scope="session")
def trained_tiny(tmp_path_factory, synth_small) -> TrainedTiny:
    """A tiny RGB-D model trained for a few steps and exported through the real `gesture
    export` command (full graph and incremental stages, stream window 16 = 2 x T), once
    per test run: the export tests, the stage tests and the bench test all read it."""

    def make(folder: Path) -> None:
        from tests.support.server_utils import run_gesture
        from tests.support.tiny_models import TRAIN_CONFIG, tiny_training_overrides
        from training.train_config import load_train_config
        from training.trainer import Trainer

        overrides = tiny_training_overrides(synth_small, folder / "run", modalities="rgbd")
        Trainer(load_train_config(TRAIN_CONFIG, overrides), progress=False).run()
        res = run_gesture("export", folder / "run" / "best.pt", "--out", folder / "tiny.onnx", "--stream-window", 16)
        assert res.returncode == 0, res.stdout + res.stderr

    folder = _once(tmp_path_factory, "trained-tiny", make)
    return TrainedTiny(folder / "run" / "best.pt", folder / "tiny.onnx")


@pytest.fixture(scope="session")
def staged_tiny(trained_tiny) -> Path:
    """A tiny RGB-D model with its incremental stages, stream window 16 (see `trained_tiny`)."""
    return trained_tiny.onnx


@pytest.fixture(scope="session")
def toned_tiny(trained_tiny, synth_small, tmp_path_factory) -> tuple[Path, dict]:
    """`gesture fit-tone` on the trained tiny model (no L2 penalty, so the head's weights are
    large enough to matter), run once: (the written model, the command's JSON report)."""

    def make(folder: Path) -> None:
        from tests.support.server_utils import run_gesture

        out = folder / "toned.onnx"
        res = run_gesture("fit-tone", trained_tiny.onnx, "--data", synth_small, "--out", out, "--l2", 0, "--json")
        assert res.returncode == 0, res.stdout + res.stderr
        (folder / "report.json").write_text(res.stdout)

    folder = _once(tmp_path_factory, "toned-tiny", make)
    return folder / "toned.onnx", json.loads((folder / "report.json").read_text())
