"""The ONNX model contract: metadata properties every exported model carries.

Exporters (training/) write these keys; the service reads them to preprocess frames. This
module is plain Python so both sides share one definition without the service importing
torch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

FORMAT_VERSION = "1"
DEPTH_ENCODINGS = ("gray", "jet", "jet_bgr")
# Metadata keys whose values are JSON (the rest are plain strings).
_JSON_KEYS = ("labels", "modalities", "config", "outputs", "events", "adapted")


class ModelCardError(ValueError):
    """A model's metadata is missing or malformed (the message names the key)."""


@dataclass(frozen=True)
class ModelCard:
    """What a model needs from its inputs and says about itself.

    Attributes:
        labels: class names, index = logit position.
        modalities: ["rgb"], ["depth"] or ["rgb", "depth"]; also the ONNX input names.
        frames: T, frames per window.
        height, width: frame size the model takes (already resized/cropped).
        resize: frames are resized to resize x resize, then centre-cropped to height x width
            (the evaluation transform of training); equal to height for no crop.
        stream_window: raw frames one streaming window spans, sampled to `frames` by segment
            means (a 16-frame model trained on 40-90-frame clips sees ~3 s of a stream).
        frp_window: FRP guidance window (computed inside the graph).
        depth_encoding: how uint16 millimetres become the 8-bit 3-channel depth input:
            `gray`: linear, near -> 255 and far -> 0 (closer is brighter), missing
            pixels (0 mm) -> 0, replicated to 3 channels; `jet`: OpenCV's JET colour map
            of that grey value in RGB order; `jet_bgr`: the same map left in BGR order,
            as the release's NTU loader feeds it.
        depth_near_mm, depth_far_mm: the linear range mapped to 0..255 (clipped).
        profile: network profile (`paper`, `lite`, `tiny`, `official`).
        source: where the weights came from (checkpoint name, training run).
        outputs: output names; the first is the logits the service uses.
        config: the full network config (JSON object).
        events: the event detector's settings for this model (`threshold`, `smoothing`,
            `min_windows`, `release_windows`, and `tuned_on`, what they were chosen on);
            empty: the service's defaults (`service/streaming/events.py`).
        adapted: for a model written by `gesture adapt`, what it was adapted from and on
            (base model, takes per class, a hash of the takes, held-out results).
    """

    labels: list[str]
    modalities: list[str]
    frames: int
    height: int
    width: int
    frp_window: int
    resize: int = 0  # 0: same as height
    stream_window: int = 0  # raw frames a streaming window spans (0: same as frames)
    depth_encoding: str = "gray"
    depth_near_mm: float = 300.0
    depth_far_mm: float = 3000.0
    profile: str = ""
    source: str = ""
    outputs: list[str] = field(default_factory=lambda: ["logits"])
    config: dict[str, Any] = field(default_factory=dict)
    events: dict[str, Any] = field(default_factory=dict)
    adapted: dict[str, Any] = field(default_factory=dict)
    format_version: str = FORMAT_VERSION

    def __post_init__(self) -> None:
        if not self.labels:
            raise ModelCardError("labels: empty")
        if self.modalities not in (["rgb"], ["depth"], ["rgb", "depth"]):
            raise ModelCardError(f"modalities: {self.modalities!r} is not rgb, depth or rgb+depth")
        if self.depth_encoding not in DEPTH_ENCODINGS:
            raise ModelCardError(f"depth_encoding: {self.depth_encoding!r} not in {DEPTH_ENCODINGS}")
        if self.resize == 0:
            object.__setattr__(self, "resize", self.height)
        if self.stream_window == 0:
            object.__setattr__(self, "stream_window", self.frames)
        if self.stream_window < self.frames:
            raise ModelCardError(f"stream_window {self.stream_window} is shorter than the {self.frames}-frame window")
        if self.resize < max(self.height, self.width):
            raise ModelCardError(f"resize {self.resize} is smaller than the {self.height}x{self.width} crop")
        if not 0 <= self.depth_near_mm < self.depth_far_mm:
            raise ModelCardError("depth_near_mm must be >= 0 and below depth_far_mm")

    def to_metadata(self) -> dict[str, str]:
        """String key/value pairs for ONNX `metadata_props`."""
        out: dict[str, str] = {}
        for key, value in asdict(self).items():
            if key in ("events", "adapted") and not value:
                continue  # absent means none: older readers see the same keys as before
            out[key] = json.dumps(value) if key in _JSON_KEYS else str(value)
        return out

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> ModelCard:
        """Parse `metadata_props` (as onnxruntime's `custom_metadata_map` gives them)."""
        required = ("labels", "modalities", "frames", "height", "width", "frp_window")
        missing = [k for k in required if k not in meta]
        if missing:
            raise ModelCardError(
                f"not a gesture model: metadata lacks {', '.join(missing)} "
                "(export it with `gesture export` or `gesture convert-official`)"
            )
        try:
            return cls(
                labels=list(json.loads(meta["labels"])),
                modalities=list(json.loads(meta["modalities"])),
                frames=int(meta["frames"]),
                height=int(meta["height"]),
                width=int(meta["width"]),
                frp_window=int(meta["frp_window"]),
                resize=int(meta.get("resize", 0)),
                stream_window=int(meta.get("stream_window", 0)),
                depth_encoding=meta.get("depth_encoding", "gray"),
                depth_near_mm=float(meta.get("depth_near_mm", 300.0)),
                depth_far_mm=float(meta.get("depth_far_mm", 3000.0)),
                profile=meta.get("profile", ""),
                source=meta.get("source", ""),
                outputs=list(json.loads(meta.get("outputs", '["logits"]'))),
                config=dict(json.loads(meta.get("config", "{}"))),
                events=dict(json.loads(meta.get("events", "{}"))),
                adapted=dict(json.loads(meta.get("adapted", "{}"))),
                format_version=meta.get("format_version", FORMAT_VERSION),
            )
        except (ValueError, TypeError) as exc:
            raise ModelCardError(f"malformed model metadata: {exc}") from exc


def read_model_card(path: str) -> tuple[ModelCard, dict[str, str]]:
    """The card and the raw metadata of an ONNX file, read with onnxruntime (no torch).

    Raises:
        FileNotFoundError: no such file.
        ModelCardError: not an ONNX model, or not one of ours.
    """
    import os

    import onnxruntime as ort

    if not os.path.isfile(path):
        raise FileNotFoundError(f"model not found: {path}")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    try:
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own Fail/InvalidProtobuf types
        raise ModelCardError(f"{path}: not a loadable ONNX model ({exc})") from exc
    meta = dict(session.get_modelmeta().custom_metadata_map)
    return ModelCard.from_metadata(meta), meta
