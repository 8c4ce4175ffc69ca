"""Training configuration: YAML files plus `key.sub=value` overrides, unknown keys rejected."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

import yaml

Modalities = Literal["rgb", "depth", "rgbd"]


class ConfigError(ValueError):
    """A config file or override is invalid (the message names the key)."""


@dataclass(frozen=True)
class DataConfig:
    """Where clips come from and how depth becomes the 8-bit model input."""

    root: str = "data/synth"
    layout: str | None = None  # auto-detect
    train_split: str = "train"
    valid_split: str = "valid"
    num_workers: int = 1
    depth_encoding: str = "gray"
    depth_near_mm: float = 300.0
    depth_far_mm: float = 3000.0
    # training also on windows cut from continuous streams (see training/data/stream_windows.py)
    streams: str | None = None
    stream_window: int = 48
    stream_stride: int = 8


@dataclass(frozen=True)
class AugmentConfig:
    """Clip-level augmentation, identical for both modalities of a pair."""

    resize: int = 128  # frames are resized to resize x resize, then cropped to the model size
    rotate_deg: float = 10.0
    rotate_p: float = 0.5
    flip_p: float = 0.0  # 0 for gesture sets: direction is the label


@dataclass(frozen=True)
class OptimConfig:
    """Linear warm-up + cosine decay with SGD (the official recipe) or AdamW."""

    name: str = "sgd"  # sgd (official) or adamw
    epochs: int = 100
    batch_size: int = 8
    lr: float = 0.01
    lr_min: float = 1e-5
    momentum: float = 0.9
    weight_decay: float = 3e-4
    warmup_epochs: int = 3
    grad_clip: float = 5.0
    distill_warmup_epochs: int = 3  # lambda_d = 0 before this epoch, then 1
    amp: bool = True  # used on CUDA only


@dataclass(frozen=True)
class InitConfig:
    """Fusion training starts from two unimodal checkpoints (the official two-stage recipe)."""

    rgb_checkpoint: str | None = None
    depth_checkpoint: str | None = None
    checkpoint: str | None = None  # a whole network of the same modalities (fine-tuning)


@dataclass(frozen=True)
class TeacherConfig:
    """Cross-modal feature distillation for a unimodal run: a frozen network of the other
    modality (a checkpoint of ours, same profile) whose pre-pooling spatial feature maps the
    student learns to reproduce on the paired frames, next to its own objective. This is how
    the bundled RGB model learns to find the hand in cluttered scenes on 2 CPU cores (the
    official recipe starts from Jester-pretrained weights instead)."""

    checkpoint: str | None = None
    weight: float = 5.0  # times the variance-normalised MSE between the feature maps


@dataclass(frozen=True)
class TrainConfig:
    """One training run."""

    profile: str = "lite"
    modalities: Modalities = "rgbd"
    out: str = "runs/run"
    seed: int = 0
    device: str = "auto"
    max_steps_per_epoch: int | None = None  # for smoke tests
    data: DataConfig = field(default_factory=DataConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    init: InitConfig = field(default_factory=InitConfig)
    teacher: TeacherConfig = field(default_factory=TeacherConfig)

    def __post_init__(self) -> None:
        if self.modalities not in ("rgb", "depth", "rgbd"):
            raise ConfigError(f"modalities: {self.modalities!r} is not rgb, depth or rgbd")
        if self.optim.name not in ("sgd", "adamw"):
            raise ConfigError(f"optim.name: {self.optim.name!r} is not sgd or adamw")
        if self.optim.epochs < 1 or self.optim.batch_size < 1:
            raise ConfigError("optim.epochs and optim.batch_size must be positive")
        if self.teacher.checkpoint and self.modalities == "rgbd":
            raise ConfigError("teacher.checkpoint is for unimodal runs (rgb or depth), not rgbd")


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    if not isinstance(values, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(values).__name__}")
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(where + k for k in unknown)}; known: {', '.join(known)}")
    kwargs = {}
    for name, value in values.items():
        f = known[name]
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else None  # type: ignore[misc]
        if dataclasses.is_dataclass(default):
            kwargs[name] = _build(type(default), value or {}, f"{where}{name}.")
        else:
            kwargs[name] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where or 'config'}: {exc}") from exc


def _parse_override(text: str) -> tuple[list[str], Any]:
    if "=" not in text:
        raise ConfigError(f"override {text!r} is not key=value")
    key, raw = text.split("=", 1)
    return key.strip().split("."), yaml.safe_load(raw) if raw != "" else None


def load_train_config(path: Path | None, overrides: list[str] = ()) -> TrainConfig:  # type: ignore[assignment]
    """A TrainConfig from a YAML file (or defaults) with `a.b=value` overrides applied.

    Raises:
        ConfigError: unknown keys, bad values, unreadable YAML.
    """
    values: dict[str, Any] = {}
    if path is not None:
        try:
            loaded = yaml.safe_load(Path(path).read_text())
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
        values = loaded or {}
    for text in overrides:
        keys, value = _parse_override(text)
        node = values
        for k in keys[:-1]:
            node = node.setdefault(k, {})
            if not isinstance(node, dict):
                raise ConfigError(f"override {text!r}: {k} is not a section")
        node[keys[-1]] = value
    return _build(TrainConfig, values, "")


def config_to_dict(cfg: TrainConfig) -> dict[str, Any]:
    return dataclasses.asdict(cfg)
