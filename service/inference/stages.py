"""The per-frame and per-window stages of an incremental model (`x.frame.onnx`,
`x.window.onnx` next to `x.onnx`), loaded when both are there and match the full model.

The frame stage takes new frames per modality, `seen` (frames the stream processed
before) and the stream's state, and gives the spatial features of the stream's newest
window (`window_<modality>` [B, T, D]) plus the next state; the window stage takes those
(`features_<modality>`) and gives the same outputs as the full model on that window.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from service.inference.model_card import ModelCard, ModelCardError
from service.inference.onnx_session import SessionOptions, session_for

log = logging.getLogger(__name__)

# Card fields that must agree between the full model and its stages.
_MATCHING = ("labels", "modalities", "frames", "height", "width", "frp_window", "config", "outputs")


def stage_paths(model: str | Path) -> tuple[Path, Path]:
    """`x.onnx` -> (`x.frame.onnx`, `x.window.onnx`)."""
    p = Path(model)
    return p.with_suffix(".frame.onnx"), p.with_suffix(".window.onnx")


class StageRunner:
    """One stage's onnxruntime session."""

    def __init__(self, path: Path, options: SessionOptions, card: ModelCard, stage: str) -> None:
        self.path = str(path)
        self.session = session_for(self.path, options)
        meta = dict(self.session.get_modelmeta().custom_metadata_map)
        if meta.get("stage") != stage:
            raise ModelCardError(f"{path}: not a {stage} stage (stage={meta.get('stage')!r})")
        own = ModelCard.from_metadata(meta)
        wrong = [f for f in _MATCHING if getattr(own, f) != getattr(card, f)]
        if wrong:
            raise ModelCardError(f"{path}: {', '.join(wrong)} differ from the full model's; re-export both")
        self.meta = meta
        self.inputs = {i.name: i for i in self.session.get_inputs()}
        self.output_names = [o.name for o in self.session.get_outputs()]

    def run(self, feeds: dict[str, np.ndarray], options: ort.RunOptions | None = None) -> dict[str, np.ndarray]:
        """Batched feeds -> every output by name."""
        return dict(zip(self.output_names, self.session.run(self.output_names, feeds, options)))


@dataclass
class Stages:
    """Both stages of a model, and what a stream needs to drive them.

    Attributes:
        frame, window: the two sessions.
        state_names: the frame stage's state inputs (outputs are `next_<name>`).
        zero_state: the state of an empty stream, batch 1.
    """

    frame: StageRunner
    window: StageRunner
    state_names: list[str]
    zero_state: dict[str, np.ndarray]


def window_feeds(frame_outputs: dict[str, np.ndarray], batch_axis: bool = False) -> dict[str, np.ndarray]:
    """The window stage's feeds from the frame stage's outputs: every `window_<x>` (each
    modality's features, and the hand tones where the model reads them) as `features_<x>`.

    Args:
        frame_outputs: the frame stage's outputs by name.
        batch_axis: add a leading batch axis (rows handed out by the scheduler have none).
    """
    return {
        "features_" + name.removeprefix("window_"): (value[None] if batch_axis else value)
        for name, value in frame_outputs.items()
        if name.startswith("window_")
    }


def _zeros(arg: ort.NodeArg) -> np.ndarray:
    shape = [1] + [int(d) for d in arg.shape[1:]]
    dtype = np.uint8 if arg.type == "tensor(uint8)" else np.float32
    return np.zeros(shape, dtype)


def load_stages(model: str | Path, card: ModelCard, options: SessionOptions) -> Stages | None:
    """Both stages of `model`, or None when either file is missing.

    Raises:
        ModelCardError: the files are there but do not belong to this model.
    """
    frame_path, window_path = stage_paths(model)
    if not (frame_path.is_file() and window_path.is_file()):
        return None
    frame = StageRunner(frame_path, options, card, "frame")
    window = StageRunner(window_path, options, card, "window")
    names = list(json.loads(frame.meta.get("state", "[]")))
    missing = [n for n in names if n not in frame.inputs or f"next_{n}" not in frame.output_names]
    if not names or missing:
        raise ModelCardError(f"{frame_path}: state inputs/outputs missing: {missing or 'none declared'}")
    zero = {n: _zeros(frame.inputs[n]) for n in names}
    log.info("incremental stages %s, %s", frame_path.name, window_path.name)
    return Stages(frame, window, names, zero)
