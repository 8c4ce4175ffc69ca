"""Service settings (pydantic-settings): command-line flags and GESTURE_* environment variables."""

from __future__ import annotations

from pathlib import Path

BUNDLED_MODEL = Path(__file__).resolve().parent / "models" / "synth_lite_rgbd.onnx"


def default_model_path() -> Path:
    """The bundled default model (an RGB-D `lite` model trained on SynthGesture-RGBD)."""
    return BUNDLED_MODEL
