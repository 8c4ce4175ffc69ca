"""One onnxruntime session per model, on the best execution provider that really runs.

Preference: TensorRT (fp16, persistent engine cache) -> CUDA -> CPU. onnxruntime-gpu lists
GPU providers even on machines without a GPU and then silently runs on the CPU, so the
providers in use are read back from the session after it is created, never assumed.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort

from service.inference.model_card import ModelCard, ModelCardError

log = logging.getLogger(__name__)

PREFERENCE = ("TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider")


@dataclass(frozen=True)
class SessionOptions:
    """How to build the session.

    Attributes:
        providers: preference order; names onnxruntime does not offer are skipped.
        threads: intra-op threads (0 = onnxruntime's default).
        trt_fp16: let TensorRT use fp16 kernels.
        trt_cache_dir: where TensorRT keeps built engines across restarts (None: no cache).
        spin: let idle intra-op threads spin for the next run (onnxruntime's default); off
            when several sessions take turns on few cores, where spinning threads of one
            session slow the other.
    """

    providers: tuple[str, ...] = PREFERENCE
    threads: int = 0
    trt_fp16: bool = True
    trt_cache_dir: str | None = None
    spin: bool = True


def _provider_list(options: SessionOptions) -> list[str | tuple[str, dict[str, str]]]:
    available = set(ort.get_available_providers())
    chosen: list[str | tuple[str, dict[str, str]]] = []
    for name in options.providers:
        if name not in available:
            continue
        if name == "TensorrtExecutionProvider":
            trt: dict[str, str] = {"trt_fp16_enable": str(options.trt_fp16)}
            if options.trt_cache_dir:
                os.makedirs(options.trt_cache_dir, exist_ok=True)
                trt.update(
                    trt_engine_cache_enable="True",
                    trt_engine_cache_path=options.trt_cache_dir,
                    trt_timing_cache_enable="True",
                    trt_timing_cache_path=options.trt_cache_dir,
                )
            chosen.append((name, trt))
        else:
            chosen.append(name)
    if "CPUExecutionProvider" not in [c if isinstance(c, str) else c[0] for c in chosen]:
        chosen.append("CPUExecutionProvider")
    return chosen


def shrink_arenas_options() -> ort.RunOptions:
    """Run options that make a run give onnxruntime's CPU arena back to the system when it
    ends: every chunk the arena grew by and holds free (its first chunk stays)."""
    options = ort.RunOptions()
    options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")
    return options


def session_for(path: str, options: SessionOptions) -> ort.InferenceSession:
    """An onnxruntime session on the preferred providers that exist.

    Raises:
        ModelCardError: not a loadable ONNX file.
    """
    so = ort.SessionOptions()
    if options.threads:
        so.intra_op_num_threads = options.threads
        so.inter_op_num_threads = 1
    if not options.spin:
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return ort.InferenceSession(path, so, providers=_provider_list(options))
    except Exception as exc:  # onnxruntime's own error types
        raise ModelCardError(f"{path}: not a loadable ONNX model ({exc})") from exc


class OnnxModel:
    """A loaded gesture model: its card, its session and the providers really in use."""

    def __init__(self, path: str | Path, options: SessionOptions | None = None) -> None:
        self.path = str(path)
        options = options or SessionOptions()
        if not os.path.isfile(self.path):
            raise FileNotFoundError(f"model not found: {self.path}")
        self.session = session_for(self.path, options)
        self.card = ModelCard.from_metadata(dict(self.session.get_modelmeta().custom_metadata_map))
        self.providers = list(self.session.get_providers())
        inputs = {i.name for i in self.session.get_inputs()}
        if inputs != set(self.card.modalities):
            raise ModelCardError(f"{self.path}: inputs {sorted(inputs)} do not match modalities {self.card.modalities}")
        log.info("loaded %s on %s", self.path, self.providers)

    def run(self, inputs: dict[str, np.ndarray], options: ort.RunOptions | None = None) -> dict[str, np.ndarray]:
        """uint8 [B, T, H, W, 3] per modality -> every output, float32 [B, K]."""
        names = [o.name for o in self.session.get_outputs()]
        return dict(zip(names, self.session.run(names, inputs, options)))

    def logits(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """The first output (`logits`) [B, K]."""
        return self.session.run([self.card.outputs[0]], inputs)[0]
