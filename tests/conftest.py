"""Shared test set-up: deterministic torch on the CI's 2 cores, paths to shared data."""

from __future__ import annotations

import json
import os
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


@pytest.fixture(scope="session")
def tiny_onnx(tmp_path_factory) -> Path:
    """An untrained tiny RGB-D model (13 SynthGesture labels, stream window 12, no stages),
    exported once per test session for every test that only reads it (an export takes tens
    of seconds)."""
    from tests.tiny_models import export_tiny

    return export_tiny(tmp_path_factory.mktemp("tiny") / "tiny.onnx")


@pytest.fixture(scope="session")
def staged_tiny(tmp_path_factory) -> Path:
    """An untrained tiny RGB-D model with its incremental stages (stream window 16 = 2 x T),
    exported once per test session (stage export takes tens of seconds)."""
    from tests.tiny_models import export_tiny

    return export_tiny(tmp_path_factory.mktemp("staged") / "tiny.onnx", stream_window=16, stages=True)
