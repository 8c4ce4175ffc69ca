"""Who gestures: the sampled identity of a person (hand, arm, clothes, body, head)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from training.synth.randomness import uniform

HAND_MODELS = ("articulated", "mitten", "capsule")
"""Distinct hand render styles: 'articulated' (three phalanges per finger, a thumb,
knuckles, nails, palm creases), 'mitten' (a smooth rounded silhouette with shallow finger
grooves, faceted low-poly shading), 'capsule' (one capsule per finger on an elliptic palm,
flat-shaded, close to version 1)."""

SLEEVES = ("bare", "short", "long")
PATTERNS = ("plain", "stripes", "checks")
HAIR_STYLES = ("bald", "short", "long")

_SKIN_LIGHT = (243.0, 208.0, 186.0)
_SKIN_MID = (198.0, 145.0, 108.0)
_SKIN_DARK = (78.0, 50.0, 36.0)
_HAIR = (
    (25.0, 20.0, 18.0),
    (70.0, 45.0, 30.0),
    (120.0, 85.0, 55.0),
    (200.0, 165.0, 110.0),
    (150.0, 70.0, 35.0),
    (170.0, 170.0, 165.0),
)


def _rgb(values: np.ndarray | tuple[float, ...]) -> tuple[float, float, float]:
    r, g, b = (float(min(max(v, 0.0), 255.0)) for v in values)
    return (r, g, b)


@dataclass(frozen=True)
class PersonIdentity:
    """What stays fixed about one gesturer through a recording. Lengths in mm, colours
    float RGB 0..255.

    Attributes:
        hand_model: one of HAND_MODELS.
        handed: +1 when the right hand gestures, -1 the left (the idle hand is the other).
        palm_width_mm: palm breadth across the knuckles (60..95).
        palm_length_mm: wrist crease to the middle knuckle (1.0..1.2 x the width).
        finger_len_mm: middle finger from its knuckle to the tip (0.85..1.0 x palm length).
        finger_rel: lengths of index, middle, ring, little relative to the middle one.
        thumb_rel: thumb (metacarpal to tip) relative to the middle finger (0.95..1.15).
        finger_width_mm: middle finger thickness (0.2..0.24 x palm width).
        palm_thick_mm: palm thickness (0.3..0.38 x palm width).
        forearm_mm, upper_arm_mm: segment lengths (2.6..3.1, 3.2..3.7 x palm length).
        wrist_r_mm, elbow_r_mm: forearm radius at the wrist and the elbow.
        tone: skin darkness 0 (light) .. 1 (dark), the human range.
        skin_rgb: base skin colour; palm_rgb the lighter, pinker palm side; back_rgb the
            darker back side; nail_rgb the nails.
        skin_var: amplitude of the low-frequency skin variation (0.03..0.09).
        skin_freq: (fu, fv, phase) of that variation in 1/mm.
        crease: darkening of the palm creases (0.15..0.35); crease_shape: 6 shape offsets.
        hair: strength of the back-side hair/vein texture (0.08..0.25); hair_angle radians.
        knuckle: strength of knuckle wrinkles on the back (0.15..0.35).
        sweep_dir: +1 when a flip sweeps across the hand from its left, -1 from its right.
        sleeve: one of SLEEVES; sleeve_rgb, sleeve_pattern (PATTERNS), sleeve_rgb2 (pattern
            colour), sleeve_period_mm (pattern period 8..30), sleeve_end (long sleeve end,
            fraction of the forearm from the wrist, 0.03..0.4), cuff_rgb, sleeve_ir (IR
            reflectance of the fabric, low for dark cloth).
        ring: finger index 0..3 (index..little) wearing a ring, -1 none; ring_rgb metal colour.
        watch: whether a watch is on the gesturing wrist; watch_rgb strap, watch_face_rgb face.
        glove: whether the hands are gloved; glove_rgb, glove_ir.
        clothes_rgb, clothes_rgb2, clothes_pattern, clothes_period_mm: torso garment.
        shoulder_mm: shoulder width (340..500); torso_mm: shoulder to waist (420..560).
        head_mm: head width (135..165), its height is 1.3 x.
        hair_style: one of HAIR_STYLES; hair_rgb.
    """

    hand_model: str
    handed: int
    palm_width_mm: float
    palm_length_mm: float
    finger_len_mm: float
    finger_rel: tuple[float, float, float, float]
    thumb_rel: float
    finger_width_mm: float
    palm_thick_mm: float
    forearm_mm: float
    upper_arm_mm: float
    wrist_r_mm: float
    elbow_r_mm: float
    tone: float
    skin_rgb: tuple[float, float, float]
    palm_rgb: tuple[float, float, float]
    back_rgb: tuple[float, float, float]
    nail_rgb: tuple[float, float, float]
    skin_var: float
    skin_freq: tuple[float, float, float]
    crease: float
    crease_shape: tuple[float, float, float, float, float, float]
    hair: float
    hair_angle: float
    knuckle: float
    sweep_dir: int
    sleeve: str
    sleeve_rgb: tuple[float, float, float]
    sleeve_pattern: str
    sleeve_rgb2: tuple[float, float, float]
    sleeve_period_mm: float
    sleeve_end: float
    cuff_rgb: tuple[float, float, float]
    sleeve_ir: float
    ring: int
    ring_rgb: tuple[float, float, float]
    watch: bool
    watch_rgb: tuple[float, float, float]
    watch_face_rgb: tuple[float, float, float]
    glove: bool
    glove_rgb: tuple[float, float, float]
    glove_ir: float
    clothes_rgb: tuple[float, float, float]
    clothes_rgb2: tuple[float, float, float]
    clothes_pattern: str
    clothes_period_mm: float
    shoulder_mm: float
    torso_mm: float
    head_mm: float
    hair_style: str
    hair_rgb: tuple[float, float, float]


def _fabric(rng: np.random.Generator) -> np.ndarray:
    """A garment colour: greys and blacks often, saturated colours sometimes."""
    kind = rng.random()
    if kind < 0.3:
        return np.full(3, uniform(rng, (15.0, 235.0)))
    if kind < 0.45:
        return np.full(3, uniform(rng, (8.0, 45.0))) + rng.uniform(0, 10, 3)
    return rng.uniform(20.0, 235.0, 3)


def _ir_of(rgb: np.ndarray) -> float:
    """IR reflectance of a fabric: dark dyes are often dark in the near infrared too."""
    luma = 0.3 * rgb[0] + 0.59 * rgb[1] + 0.11 * rgb[2]
    return float(min(1.0, 0.25 + luma / 110.0))


@dataclass(frozen=True)
class _HandSize:
    """The first draws of a gesturer: which hand gestures and its size.

    Attributes:
        handed: +1 right, -1 left.
        palm_w, palm_l: palm width and length, mm; finger_len: middle finger, mm.
        rel: index, middle, ring, little finger lengths relative to the middle one.
    """

    handed: int
    palm_w: float
    palm_l: float
    finger_len: float
    rel: tuple[float, float, float, float]


@dataclass(frozen=True)
class _Skin:
    """Skin tone and colours, float64 [3] RGB 0..255 (before clipping).

    Attributes:
        tone: skin darkness 0 (light) .. 1 (dark).
        skin, palm, back, nail: base, palm side, back side and nail colours.
    """

    tone: float
    skin: np.ndarray
    palm: np.ndarray
    back: np.ndarray
    nail: np.ndarray


@dataclass(frozen=True)
class _Wardrobe:
    """Clothes, accessories and hair drawn before the remaining details (colours float64 [3]
    RGB, unclipped).

    Attributes:
        sleeve: one of SLEEVES; clothes, sleeve_rgb, sleeve2, cuff: garment colours.
        ring: finger 0..3 wearing a ring, -1 none; metal: ring and watch metal colour.
        watch, glove: whether worn; glove_rgb: glove colour.
        hair_style: one of HAIR_STYLES; hair: hair colour; hair_angle: radians, about 0.
    """

    sleeve: str
    clothes: np.ndarray
    sleeve_rgb: np.ndarray
    sleeve2: np.ndarray
    cuff: np.ndarray
    ring: int
    metal: np.ndarray
    watch: bool
    glove: bool
    glove_rgb: np.ndarray
    hair_style: str
    hair: np.ndarray
    hair_angle: float


def _draw_hand_size(rng: np.random.Generator) -> _HandSize:
    """Draws the gesturing side and the hand's size (6 draws)."""
    handed = 1 if rng.random() < 0.8 else -1
    palm_w = uniform(rng, (60.0, 95.0))
    palm_l = palm_w * uniform(rng, (1.0, 1.2))
    finger_len = palm_l * uniform(rng, (0.85, 1.0))
    rel = (uniform(rng, (0.88, 0.96)), 1.0, uniform(rng, (0.9, 0.98)), uniform(rng, (0.72, 0.82)))
    return _HandSize(handed, palm_w, palm_l, finger_len, rel)


def _draw_skin(rng: np.random.Generator) -> _Skin:
    """Draws the skin tone and the skin, palm, back and nail colours."""
    tone = float(rng.random())
    if tone < 0.5:
        skin = np.array(_SKIN_LIGHT) + (np.array(_SKIN_MID) - np.array(_SKIN_LIGHT)) * (tone / 0.5)
    else:
        skin = np.array(_SKIN_MID) + (np.array(_SKIN_DARK) - np.array(_SKIN_MID)) * ((tone - 0.5) / 0.5)
    skin = skin * rng.uniform(0.94, 1.06, 3)
    pink = np.array([1.04, 0.97, 0.97])
    palm = (skin + (255.0 - skin) * uniform(rng, (0.12, 0.25)) * (0.6 + 0.6 * tone)) * pink
    back = skin * uniform(rng, (0.7, 0.82))
    nail = skin + (np.array([245.0, 215.0, 205.0]) - skin) * uniform(rng, (0.35, 0.6))
    return _Skin(tone, skin, palm, back, nail)


def _draw_wardrobe(rng: np.random.Generator) -> _Wardrobe:
    """Draws the sleeve, the garment colours, ring, watch, gloves and hair."""
    sleeve = SLEEVES[int(rng.choice(3, p=[0.3, 0.25, 0.45]))]
    clothes = _fabric(rng)
    sleeve_rgb = clothes if rng.random() < 0.75 else _fabric(rng)
    sleeve2 = _fabric(rng)
    cuff = sleeve_rgb * uniform(rng, (0.6, 1.2))
    ring = int(rng.integers(0, 4)) if rng.random() < 0.15 else -1
    metal = np.array([215.0, 180.0, 90.0]) if rng.random() < 0.5 else np.array([200.0, 200.0, 205.0])
    watch = bool(rng.random() < 0.25)
    glove = bool(rng.random() < 0.07)
    glove_rgb = _fabric(rng)
    hair_style = HAIR_STYLES[int(rng.choice(3, p=[0.1, 0.55, 0.35]))]
    hair = np.array(_HAIR[int(rng.integers(0, len(_HAIR)))]) * rng.uniform(0.85, 1.15, 3)
    hair_angle = uniform(rng, (-0.5, 0.5))
    return _Wardrobe(
        sleeve, clothes, sleeve_rgb, sleeve2, cuff, ring, metal, watch, glove, glove_rgb, hair_style, hair, hair_angle
    )


def _hand_and_arm_fields(rng: np.random.Generator, size: _HandSize) -> dict[str, Any]:
    """PersonIdentity fields handed .. elbow_r_mm (draws the thumb, finger and arm sizes)."""
    palm_w, palm_l = size.palm_w, size.palm_l
    return dict(
        handed=size.handed,
        palm_width_mm=palm_w,
        palm_length_mm=palm_l,
        finger_len_mm=size.finger_len,
        finger_rel=size.rel,
        thumb_rel=uniform(rng, (0.95, 1.15)),
        finger_width_mm=palm_w * uniform(rng, (0.2, 0.24)),
        palm_thick_mm=palm_w * uniform(rng, (0.3, 0.38)),
        forearm_mm=palm_l * uniform(rng, (2.6, 3.1)),
        upper_arm_mm=palm_l * uniform(rng, (3.2, 3.7)),
        wrist_r_mm=palm_w * uniform(rng, (0.3, 0.36)),
        elbow_r_mm=palm_w * uniform(rng, (0.42, 0.55)),
    )


def _skin_fields(rng: np.random.Generator, skin: _Skin, hair_angle: float) -> dict[str, Any]:
    """PersonIdentity fields tone .. sweep_dir (draws the skin's texture parameters)."""
    return dict(
        tone=skin.tone,
        skin_rgb=_rgb(skin.skin),
        palm_rgb=_rgb(skin.palm),
        back_rgb=_rgb(skin.back),
        nail_rgb=_rgb(skin.nail),
        skin_var=uniform(rng, (0.03, 0.09)),
        skin_freq=(uniform(rng, (-0.03, 0.03)), uniform(rng, (0.01, 0.04)), uniform(rng, (0.0, 1.0))),
        crease=uniform(rng, (0.15, 0.35)),
        crease_shape=tuple(float(v) for v in rng.uniform(-1.0, 1.0, 6)),
        hair=uniform(rng, (0.08, 0.25)),
        hair_angle=hair_angle + math.pi / 2,
        knuckle=uniform(rng, (0.15, 0.35)),
        sweep_dir=1 if rng.random() < 0.5 else -1,
    )


def _outfit_fields(rng: np.random.Generator, kit: _Wardrobe) -> dict[str, Any]:
    """PersonIdentity fields sleeve .. hair_rgb (draws patterns, watch colours, body sizes)."""
    return dict(
        sleeve=kit.sleeve,
        sleeve_rgb=_rgb(kit.sleeve_rgb),
        sleeve_pattern=PATTERNS[int(rng.choice(3, p=[0.6, 0.25, 0.15]))],
        sleeve_rgb2=_rgb(kit.sleeve2),
        sleeve_period_mm=uniform(rng, (8.0, 30.0)),
        sleeve_end=uniform(rng, (0.03, 0.4)),
        cuff_rgb=_rgb(kit.cuff),
        sleeve_ir=_ir_of(kit.sleeve_rgb),
        ring=kit.ring,
        ring_rgb=_rgb(kit.metal),
        watch=kit.watch,
        watch_rgb=_rgb(_fabric(rng) * 0.6),
        watch_face_rgb=_rgb(kit.metal * uniform(rng, (0.3, 1.0))),
        glove=kit.glove,
        glove_rgb=_rgb(kit.glove_rgb),
        glove_ir=_ir_of(kit.glove_rgb),
        clothes_rgb=_rgb(kit.clothes),
        clothes_rgb2=_rgb(kit.sleeve2),
        clothes_pattern=PATTERNS[int(rng.choice(3, p=[0.55, 0.3, 0.15]))],
        clothes_period_mm=uniform(rng, (10.0, 45.0)),
        shoulder_mm=uniform(rng, (340.0, 500.0)),
        torso_mm=uniform(rng, (420.0, 560.0)),
        head_mm=uniform(rng, (135.0, 165.0)),
        hair_style=kit.hair_style,
        hair_rgb=_rgb(kit.hair),
    )


def sample_person(rng: np.random.Generator, hand_model: str) -> PersonIdentity:
    """Draws a gesturer.

    Args:
        rng: the recording's Generator (a fixed number of draws).
        hand_model: one of HAND_MODELS.

    Raises:
        ValueError: for an unknown hand model.
    """
    if hand_model not in HAND_MODELS:
        raise ValueError(f"unknown hand model {hand_model!r}, expected one of {HAND_MODELS}")
    # The draws' order is fixed: these calls run in sequence, each draws in field order.
    size = _draw_hand_size(rng)
    skin = _draw_skin(rng)
    kit = _draw_wardrobe(rng)
    hand_and_arm = _hand_and_arm_fields(rng, size)
    skin_fields = _skin_fields(rng, skin, kit.hair_angle)
    outfit = _outfit_fields(rng, kit)
    return PersonIdentity(hand_model=hand_model, **hand_and_arm, **skin_fields, **outfit)
