"""A real serving-only install: a fresh virtual environment with `pip install <project>` and no
extras (so no torch or onnx), built from a copy of the tracked files. Its `gesture`
runs `info`, `classify`, `serve` and `stream`, and a training command stops with one line
naming the extra. `test_cli_commands.py` checks the same promise cheaply by hiding torch
inside the development environment; this one also catches a serving path that imports any
other training-only package, and packaging mistakes (the bundled model missing from the
wheel, a wrong entry point)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.support.server_utils import ROOT, running_server

TRAINING_ONLY = ("torch", "onnx", "onnxscript")  # pyyaml comes with uvicorn[standard]


def _tracked_copy(dest: Path) -> Path:
    """The files git tracks, copied to `dest` (no .venv, no build outputs, no local data)."""
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listing.decode().split("\0")):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="module")
def serving_env(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `bin/` folder of a fresh venv holding the project's base install only."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to copy the tracked files from")
    base = tmp_path_factory.mktemp("serving-install")
    source = _tracked_copy(base / "project")
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(source)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return venv / "bin"


def _run(bin_dir: Path, *args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": ""}
    return subprocess.run(
        [str(bin_dir / "gesture"), *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env
    )


def test_the_install_has_no_training_packages(serving_env: Path) -> None:
    probe = f"import importlib.util as u; print([m for m in {TRAINING_ONLY!r} if u.find_spec(m)])"
    res = subprocess.run([str(serving_env / "python"), "-c", probe], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "[]", res.stdout + res.stderr


def test_info_and_classify_with_the_bundled_model(serving_env: Path, tmp_path: Path) -> None:
    where = "from service.settings import default_model_path; print(default_model_path())"
    bundled = subprocess.run([str(serving_env / "python"), "-c", where], capture_output=True, text=True, cwd=tmp_path)
    assert bundled.returncode == 0 and "site-packages" in bundled.stdout, bundled.stdout + bundled.stderr
    res = _run(serving_env, "info", "--json", bundled.stdout.strip(), cwd=tmp_path)  # the model inside the wheel
    assert res.returncode == 0, res.stdout + res.stderr
    card = json.loads(res.stdout)
    assert card["modalities"] == ["rgb", "depth"] and len(card["labels"]) == 13
    clip = tmp_path / "clip.npz"
    rng = np.random.default_rng(3)
    np.savez(
        clip,
        rgb=rng.integers(0, 256, (24, 96, 96, 3), dtype=np.uint8),
        depth=rng.integers(400, 2000, (24, 96, 96), dtype=np.uint16),
        fps=np.float32(30),
    )
    res = _run(serving_env, "classify", str(clip), "--json", cwd=tmp_path)  # no --model: the bundled one
    assert res.returncode == 0, res.stdout + res.stderr
    result = json.loads(res.stdout)
    assert result["label"] in card["labels"] and result["frames"] == 24
    assert [row["label"] for row in result["top"]][0] == result["label"]


def test_serve_and_stream(serving_env: Path, tmp_path: Path) -> None:
    with running_server(None, gesture=[str(serving_env / "gesture")], cwd=tmp_path) as url:
        res = _run(
            serving_env, "stream", "--server", url, "--synth", "5", "--gestures", "2", "--fast", "--json", cwd=tmp_path
        )
    assert res.returncode == 0, res.stdout + res.stderr
    messages = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    assert any(m.get("type") == "prediction" for m in messages), res.stdout[-2000:]
    final = [m for m in messages if m.get("type") == "stats" and m.get("reason") == "final"]
    assert len(final) == 1 and final[0]["windows"] > 0, messages[-3:]


def test_training_commands_name_the_missing_extra(serving_env: Path, tmp_path: Path) -> None:
    res = _run(serving_env, "train", "config.yaml", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "needs the training extra" in lines[0], res.stderr
