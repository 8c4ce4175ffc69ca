"""Frozen configuration of the DSN / DTN / RCM / CAPF network and its named profiles.

Every dimension the paper hard-codes (the window T inside the RCM, the token width 512, the
1024-wide DSN output, the inception branch sizes) is a field here, so that one set of
modules builds the official network (`paper`), a real-time network (`lite`) and a tiny
network for tests (`tiny`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

FusionLayout = Literal["official", "per_frame"]

# Branch widths of one inception block: [b0, b1a, b1b, b2a, b2b, b3b].
InceptionWidths = tuple[int, int, int, int, int, int]


def inception_out(widths: InceptionWidths) -> int:
    """Channels an inception block concatenates: b0 + b1b + b2b + b3b."""
    return widths[0] + widths[2] + widths[4] + widths[5]


@dataclass(frozen=True)
class SpatialConfig:
    """The decoupled spatial network (DSN, an I3D stem with spatial-only inception).

    Attributes:
        stem: output channels of Conv3d_1a_7x7, Conv3d_2b_1x1 and Conv3d_2c_3x3.
        mixed_3b, mixed_3c, mixed_4b, mixed_4c, mixed_5b, mixed_5c: inception widths.
        frp: whether FRP guidance modulates Mixed_3b, Mixed_4b and Mixed_5b.
    """

    stem: tuple[int, int, int] = (64, 64, 192)
    mixed_3b: InceptionWidths = (64, 96, 128, 16, 32, 32)
    mixed_3c: InceptionWidths = (128, 128, 192, 32, 96, 64)
    mixed_4b: InceptionWidths = (192, 96, 208, 16, 48, 64)
    mixed_4c: InceptionWidths = (160, 112, 224, 24, 64, 64)
    mixed_5b: InceptionWidths = (256, 160, 320, 32, 128, 128)
    mixed_5c: InceptionWidths = (384, 192, 384, 48, 128, 128)
    frp: bool = True

    @property
    def out_channels(self) -> int:
        """Channels of the last block (1024 in the paper), the LinearMap input."""
        return inception_out(self.mixed_5c)


@dataclass(frozen=True)
class TemporalConfig:
    """The recoupling module and the decoupled temporal network (DTN).

    Attributes:
        branch_tokens: tokens sampled for the `small`, `media` and `large` branches.
        depth: N, the number of multi-scale encoder layers.
        heads, head_dim: attention heads and their width (heads * head_dim is the inner width).
        mlp_dim: hidden width of each transformer feed-forward.
        knn_ratio: k-NN attention keeps int(knn_ratio * n_tokens) scores per row.
        local_inception: TemporalInception widths of layer 0 (must sum to the token width).
        dropout: transformer dropout at training.
        rcm: whether the recoupling module runs before the DTN.
        rcm_hidden: hidden width of the RCM temporal projection (256, THU-READ 128).
        rcm_qk_dim: width of the RCM channel-attention queries and keys (64).
        sharpness_start, sharpness_end, sharpness_epochs: the per-branch logit temperature
            rises linearly from start to end over the first epochs; inference uses `end`.
        distill_temperature: tau of the recoupling distillation (0.4 NvGesture/IsoGD).
        official_random_eval_sampling: (official quirk) sample tokens at random in eval too.
    """

    branch_tokens: tuple[int, int, int] = (16, 32, 48)
    depth: int = 6
    heads: int = 8
    head_dim: int = 64
    mlp_dim: int = 768
    knn_ratio: float = 0.7
    local_inception: InceptionWidths = (160, 112, 224, 24, 64, 64)
    dropout: float = 0.1
    rcm: bool = True
    rcm_hidden: int = 256
    rcm_qk_dim: int = 64
    sharpness_start: float = 0.04
    sharpness_end: float = 0.07
    sharpness_epochs: int = 30
    distill_temperature: float = 0.4
    official_random_eval_sampling: bool = False


@dataclass(frozen=True)
class FusionConfig:
    """CAPF cross-modal fusion.

    Attributes:
        layout: `official` re-interprets memory like the release (needed for official
            fusion checkpoints); `per_frame` is a true per-frame 1x1 conv.
        encoder_widths: widths of the fusion encoder after the concatenated 2*D input.
        interaction_dropout: dropout inside crossFusion / crossFusionT.
        bce_dropout: dropout before the modality-discrimination `fc`.
        hand_tone: add a linear reading of the hand tone's course to the fused logits
            (`model/hand_tone.py`; needs `gray`-encoded depth). Not in the paper.
    """

    layout: FusionLayout = "per_frame"
    encoder_widths: tuple[int, int, int, int] = (1024, 512, 256, 256)
    interaction_dropout: float = 0.4
    bce_dropout: float = 0.5
    hand_tone: bool = False


@dataclass(frozen=True)
class ModelConfig:
    """A whole network.

    Attributes:
        profile: name of the profile this config came from.
        frames: T, the window length (also the RCM's temporal width).
        size: H = W, the square frame size the network takes.
        num_classes: K.
        dim: D, the token width (512 in the paper).
        frp_window: w, frames per FRP rank-pooling window.
    """

    profile: str = "paper"
    frames: int = 64
    size: int = 224
    num_classes: int = 25
    dim: int = 512
    frp_window: int = 4
    spatial: SpatialConfig = field(default_factory=SpatialConfig)
    temporal: TemporalConfig = field(default_factory=TemporalConfig)
    fusion: FusionConfig = field(default_factory=FusionConfig)

    def __post_init__(self) -> None:
        if inception_out(self.temporal.local_inception) != self.dim:
            raise ValueError(
                f"temporal.local_inception must sum to dim={self.dim}, "
                f"got {inception_out(self.temporal.local_inception)}"
            )
        if max(self.temporal.branch_tokens) < 1 or self.frames < 1:
            raise ValueError("frames and branch_tokens must be positive")
        if not 1 <= self.frp_window:
            raise ValueError("frp_window must be at least 1")
        if self.fusion.encoder_widths[1] != self.dim:
            raise ValueError("fusion.encoder_widths[1] must equal dim: the decoder reconstructs D features")
        if self.fusion.layout not in ("official", "per_frame"):
            raise ValueError(f"unknown fusion layout {self.fusion.layout!r}")

    def with_(self, **changes: object) -> ModelConfig:
        """A copy with some top-level fields replaced (dataclasses.replace)."""
        return replace(self, **changes)  # type: ignore[arg-type]


def _scale(widths: tuple[int, ...], factor: float) -> tuple[int, ...]:
    return tuple(max(1, round(w * factor)) for w in widths)


def _paper() -> ModelConfig:
    return ModelConfig(profile="paper")


def _scaled_spatial(factor: float) -> SpatialConfig:
    """The paper's DSN with every width multiplied by `factor` (at least 1 channel)."""
    s = SpatialConfig()
    names = ("stem", "mixed_3b", "mixed_3c", "mixed_4b", "mixed_4c", "mixed_5b", "mixed_5c")
    return replace(s, **{n: _scale(getattr(s, n), factor) for n in names})


def _lite() -> ModelConfig:
    """Real time on 2 CPU cores: 112 px, 16 frames, a quarter of the widths, D = 128."""
    spatial = _scaled_spatial(0.25)
    temporal = TemporalConfig(
        branch_tokens=(4, 8, 12),
        depth=2,
        heads=4,
        head_dim=32,
        mlp_dim=192,
        local_inception=(40, 28, 56, 6, 16, 16),
        rcm_hidden=64,
        rcm_qk_dim=16,
        # Trained from scratch in a few epochs: a mild sharpness schedule (the paper's
        # 0.04 -> 0.07 assumes Jester-pretrained weights and 100 epochs).
        sharpness_start=1.0,
        sharpness_end=0.5,
        sharpness_epochs=5,
    )
    fusion = FusionConfig(encoder_widths=(256, 128, 64, 64))
    return ModelConfig(
        profile="lite",
        frames=16,
        size=112,
        num_classes=13,
        dim=128,
        frp_window=4,
        spatial=spatial,
        temporal=temporal,
        fusion=fusion,
    )


def _tiny() -> ModelConfig:
    """For tests: 32 px, 8 frames, a sixteenth of the widths, D = 32."""
    spatial = _scaled_spatial(1 / 16)
    temporal = TemporalConfig(
        # 3 tokens, not 2: the layer-0 (3, 1, 1) max pool makes 2 tokens identical, and every
        # k-NN attention row of the branch then has an exact tie at its k-th score.
        branch_tokens=(3, 4, 6),
        depth=2,
        heads=2,
        head_dim=16,
        mlp_dim=48,
        local_inception=(10, 7, 14, 2, 4, 4),
        rcm_hidden=16,
        rcm_qk_dim=8,
        sharpness_epochs=2,
    )
    fusion = FusionConfig(encoder_widths=(64, 32, 16, 16))
    return ModelConfig(
        profile="tiny",
        frames=8,
        size=32,
        num_classes=5,
        dim=32,
        frp_window=3,
        spatial=spatial,
        temporal=temporal,
        fusion=fusion,
    )


PROFILES = {"paper": _paper, "lite": _lite, "tiny": _tiny}


def get_profile(name: str) -> ModelConfig:
    """The named profile's config.

    Raises:
        KeyError: for an unknown name (the message lists the known ones).
    """
    try:
        return PROFILES[name]()
    except KeyError:
        raise KeyError(f"unknown profile {name!r}; known: {', '.join(PROFILES)}") from None
