"""Export a gesture ONNX model as a Triton Inference Server model repository:

```
REPO/<name>/config.pbtxt   platform onnxruntime_onnx, dynamic batching, TensorRT fp16
REPO/<name>/labels.txt     class names (Triton's classification extension reads them)
REPO/<name>/1/model.onnx   the model, unchanged
```

Inputs and outputs are read from the model itself, so names, types and shapes match.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import onnxruntime as ort

from service.inference.model_card import ModelCard

TRITON_TYPES = {"tensor(uint8)": "TYPE_UINT8", "tensor(float)": "TYPE_FP32", "tensor(float16)": "TYPE_FP16"}


def _tensor(name: str, onnx_type: str, shape: list, label_file: bool = False) -> str:
    if onnx_type not in TRITON_TYPES:
        raise ValueError(f"{name}: ONNX type {onnx_type} has no Triton mapping here")
    if not shape or isinstance(shape[0], int):
        raise ValueError(f"{name}: the first dimension must be the (dynamic) batch, got {shape}")
    dims = shape[1:]
    if not all(isinstance(d, int) for d in dims):
        raise ValueError(f"{name}: only the batch dimension may be dynamic, got {shape}")
    lines = [
        "  {",
        f'    name: "{name}"',
        f"    data_type: {TRITON_TYPES[onnx_type]}",
        f"    dims: [ {', '.join(str(d) for d in dims)} ]",
    ]
    if label_file:
        lines.append('    label_filename: "labels.txt"')
    lines.append("  }")
    return "\n".join(lines)


def triton_config(
    model_path: str | Path,
    name: str,
    max_batch_size: int = 32,
    preferred_batch_sizes: tuple[int, ...] = (4, 8, 16),
    max_queue_delay_us: int = 5000,
    fp16: bool = True,
    gpu: bool = True,
) -> str:
    """The config.pbtxt text for `model_path`."""
    session = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    inputs = ",\n".join(_tensor(i.name, i.type, i.shape) for i in session.get_inputs())
    outputs = ",\n".join(_tensor(o.name, o.type, o.shape, label_file=o.name == "logits") for o in session.get_outputs())
    preferred = ", ".join(str(b) for b in preferred_batch_sizes if b <= max_batch_size)
    parts = [
        f'name: "{name}"',
        'platform: "onnxruntime_onnx"',
        f"max_batch_size: {max_batch_size}",
        f"input [\n{inputs}\n]",
        f"output [\n{outputs}\n]",
        "dynamic_batching {\n"
        + (f"  preferred_batch_size: [ {preferred} ]\n" if preferred else "")
        + f"  max_queue_delay_microseconds: {max_queue_delay_us}\n}}",
        f"instance_group [\n  {{\n    count: 1\n    kind: {'KIND_GPU' if gpu else 'KIND_CPU'}\n  }}\n]",
    ]
    if gpu:
        precision = "FP16" if fp16 else "FP32"
        parts.append(
            "optimization {\n  execution_accelerators {\n    gpu_execution_accelerator: [\n      {\n"
            '        name: "tensorrt"\n'
            f'        parameters {{ key: "precision_mode" value: "{precision}" }}\n'
            '        parameters { key: "max_workspace_size_bytes" value: "1073741824" }\n'
            "      }\n    ]\n  }\n}"
        )
    return "\n".join(parts) + "\n"


def export_triton(
    model_path: str | Path,
    repo: str | Path,
    name: str = "gesture",
    max_batch_size: int = 32,
    fp16: bool = True,
    gpu: bool = True,
) -> Path:
    """Write the repository; returns the model's folder.

    Raises:
        FileNotFoundError: no such model.
        ValueError: a model whose tensors Triton cannot batch as exported.
    """
    from service.inference.onnx_session import OnnxModel

    model_path = Path(model_path)
    card: ModelCard = OnnxModel(model_path).card
    config = triton_config(model_path, name, max_batch_size, fp16=fp16, gpu=gpu)
    folder = Path(repo) / name
    (folder / "1").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_path, folder / "1" / "model.onnx")
    (folder / "config.pbtxt").write_text(config)
    (folder / "labels.txt").write_text("\n".join(card.labels) + "\n")
    return folder
