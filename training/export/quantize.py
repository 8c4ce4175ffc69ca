"""int8 quantisation of a gesture ONNX model with onnxruntime's tools.

- `dynamic`: weights int8, activations quantised on the fly (no calibration data).
- `static`: QDQ int8 with activation ranges calibrated on clips of a dataset, preprocessed
  exactly as for evaluation.

The model card (labels, preprocessing, window) is copied to the quantised file, so the
service and `gesture evaluate` use it as they use the float model.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    QuantFormat,
    QuantType,
    quantize_dynamic,
    quantize_static,
)
from onnxruntime.quantization.shape_inference import quant_pre_process

from service.inference.onnx_session import OnnxModel
from service.inference.prepare import prepare_clip
from training.data import open_dataset


class ClipCalibration(CalibrationDataReader):
    """Model inputs of up to `count` clips of `data` (spread over the classes)."""

    def __init__(self, model: Path, data: Path, count: int, split: str = "train") -> None:
        card = OnnxModel(model).card
        reader = open_dataset(Path(data), split=split, modalities=tuple(card.modalities))
        if len(reader) == 0:
            raise ValueError(f"no calibration clips in {data} ({split})")
        picks = np.linspace(0, len(reader) - 1, min(count, len(reader))).astype(int)
        self._inputs = (prepare_clip(c.rgb, c.depth, card) for c in (reader.load(int(i)) for i in picks))

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._inputs, None)


def _copy_metadata(source: Path, target: Path) -> None:
    src, dst = onnx.load(str(source), load_external_data=False), onnx.load(str(target))
    keep = {p.key for p in dst.metadata_props}
    for prop in src.metadata_props:
        if prop.key not in keep:
            dst.metadata_props.add(key=prop.key, value=prop.value)
    onnx.save(dst, str(target))


def quantize_model(model: Path, out: Path, mode: str = "static", data: Path | None = None, clips: int = 64) -> Path:
    """Write the int8 model to `out`.

    Raises:
        ValueError: an unknown mode, or static mode without calibration data.
    """
    if mode not in ("dynamic", "static"):
        raise ValueError(f"mode must be dynamic or static, not {mode!r}")
    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(model), str(prepared), skip_symbolic_shape=True)
        if mode == "dynamic":
            quantize_dynamic(str(prepared), str(out), weight_type=QuantType.QInt8)
        else:
            if data is None:
                raise ValueError("static quantisation needs calibration clips (--data)")
            quantize_static(
                str(prepared),
                str(out),
                ClipCalibration(model, data, clips),
                quant_format=QuantFormat.QDQ,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
                per_channel=True,
            )
    _copy_metadata(model, out)
    return out
