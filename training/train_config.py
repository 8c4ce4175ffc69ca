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
class ColorAugmentConfig:
    """Photometric augmentation of the colour clip (training only; every `*_p` 0 = off).

    One set of parameters per clip; `flicker` / `drift` vary the brightness per frame.
    Strengths: gains are drawn from [1 - s, 1 + s], gamma from exp([-s, s]), hue shifts
    from [-s, s] of a full turn, noise stds in grey levels of 0..255 (drawn from [0, s]).
    See training/data/augmentation/photometric.py.
    """

    brightness_p: float = 0.0
    brightness: float = 0.3
    contrast_p: float = 0.0
    contrast: float = 0.3
    saturation_p: float = 0.0
    saturation: float = 0.4
    hue_p: float = 0.0
    hue: float = 0.05
    gamma_p: float = 0.0
    gamma: float = 0.3
    cast_p: float = 0.0  # per-channel gains (white balance)
    cast: float = 0.1
    grey_p: float = 0.0
    flicker_p: float = 0.0  # per-frame brightness jitter (i.i.d.) and a linear drift
    flicker: float = 0.03
    drift: float = 0.15
    noise_p: float = 0.0  # Gaussian (read) noise plus signal-dependent shot noise
    noise_sigma: float = 6.0
    shot_noise: float = 0.5  # variance per grey level, drawn from [0, shot_noise]
    blur_p: float = 0.0
    blur_sigma: float = 1.2  # max Gaussian sigma in pixels
    jpeg_p: float = 0.0
    jpeg_quality_min: int = 30
    jpeg_quality_max: int = 90
    erase_p: float = 0.0  # cut-out boxes filled with a random colour
    erase_boxes: int = 2  # at most this many boxes
    erase_size: float = 0.3  # max box side as a fraction of the frame side
    erase_moving_p: float = 0.5  # probability a box moves over the clip instead of staying


@dataclass(frozen=True)
class DepthAugmentConfig:
    """Depth augmentation (training only; every `*_p` 0 = off), applied in millimetres
    whatever form the clip holds (uint16 mm, 8-bit grey, or 3-channel encoded).
    See training/data/augmentation/depth.py."""

    noise_p: float = 0.0
    noise_mult: float = 0.01  # std as a fraction of the depth
    noise_add_mm: float = 5.0  # additive std in mm
    holes_p: float = 0.0  # random blobs of invalid depth
    holes: int = 4  # at most this many blobs
    hole_size: float = 0.1  # max blob radius as a fraction of the frame side
    edge_p: float = 0.0  # invalid pixels along depth discontinuities
    edge_threshold_mm: float = 80.0
    edge_width: int = 2
    scale_p: float = 0.0  # global depth * scale + offset (calibration / distance)
    scale: float = 0.1
    offset_mm: float = 100.0
    shift_p: float = 0.0  # misalignment of depth relative to colour
    shift_px: int = 3
    erase_p: float = 0.0  # cut-out boxes of invalid depth
    erase_boxes: int = 1
    erase_size: float = 0.3


@dataclass(frozen=True)
class AugmentConfig:
    """Clip-level augmentation, identical for both modalities of a pair."""

    resize: int = 128  # frames are resized to resize x resize, then cropped to the model size
    rotate_deg: float = 10.0
    rotate_p: float = 0.5
    flip_p: float = 0.0  # 0 for gesture sets: direction is the label (unless flip_swap)
    # Strong augmentation (training only, all off by default; training/data/augmentation/strong.py)
    flip_swap: bool = False  # a flipped clip swaps left<->right, cw<->ccw labels (by class name)
    reverse_p: float = 0.0  # play a clip of a class in reverse_pairs backwards, with its partner's label
    reverse_pairs: str = ""  # "a:b,c:c": classes that are each other's reversal (time_reverse.py)
    reverse_paired: bool = False  # also train on every reversible clip of a batch played backwards (paired_reversal.py)
    speed_p: float = 0.0  # play the clip at a random rate (log-uniform) before sampling frames
    speed_min: float = 0.7
    speed_max: float = 1.4
    scale_p: float = 0.0  # zoom: resize * s, s log-uniform (clamped so the crop fits)
    scale_min: float = 0.8
    scale_max: float = 1.25
    modality_dropout_p: float = 0.0  # RGB-D: blank out one modality of the pair
    modality_dropout_rgb: float = 0.5  # share of the drops that hit colour (the rest: depth)
    modality_dropout_fill: str = "blank"  # blank or noise
    color: ColorAugmentConfig = field(default_factory=ColorAugmentConfig)
    depth: DepthAugmentConfig = field(default_factory=DepthAugmentConfig)

    def __post_init__(self) -> None:
        for where, section in (("augment.", self), ("augment.color.", self.color), ("augment.depth.", self.depth)):
            for f in fields(section):
                value = getattr(section, f.name)
                if f.name.endswith("_p") or f.name == "modality_dropout_rgb":
                    if not 0.0 <= value <= 1.0:
                        raise ConfigError(f"{where}{f.name}: {value} is not in [0, 1]")
                elif isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
                    raise ConfigError(f"{where}{f.name}: {value} must be >= 0")
        for lo, hi in (("speed_min", "speed_max"), ("scale_min", "scale_max")):
            if not 0 < getattr(self, lo) <= getattr(self, hi):
                raise ConfigError(f"augment.{lo} / {hi}: need 0 < {lo} <= {hi}")
        if not 1 <= self.color.jpeg_quality_min <= self.color.jpeg_quality_max <= 100:
            raise ConfigError("augment.color.jpeg_quality_min / max: need 1 <= min <= max <= 100")
        if self.modality_dropout_fill not in ("blank", "noise"):
            raise ConfigError(f"augment.modality_dropout_fill: {self.modality_dropout_fill!r} is not blank or noise")


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
