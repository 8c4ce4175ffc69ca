"""SynthGesture v2 render styles: named families of hand model, scene, viewpoint and sensors.

A style fixes what a training set may be missing in the field (the hand's look, the kind of
place, the camera's view and its sensors); everything else is randomised within every style.
Training on all styles but one and testing on the one left out (leave-one-style-out) measures
transfer to a look the model never saw, the honest measure of a model trained on generated
data. `v1` is the version-1 renderer (a floating hand over textured polygons).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Style:
    """Attributes:
    name: the style's name (as in `synth.json` and `--styles`).
    description: one line for people.
    hand_models: the person renderer's hand models (`training/synth/person`).
    views: (viewpoint, scene family) pairs (`training/synth/scene/v2_scene.py`).
    depth_sensors: D4xx models (`training/synth/sensors/d4xx.py`).
    cameras: colour camera qualities (`training/synth/sensors/colour_camera.py`).
    """

    name: str
    description: str
    hand_models: tuple[str, ...]
    views: tuple[tuple[str, str], ...]
    depth_sensors: tuple[str, ...]
    cameras: tuple[str, ...]


STYLES: dict[str, Style] = {
    s.name: s
    for s in (
        Style(
            "kiosk",
            "a person facing a kiosk or TV camera in a home or office, articulated hands",
            ("articulated",),
            (("facing", "home"), ("facing", "office")),
            ("d435", "d455"),
            ("good", "webcam"),
        ),
        Style(
            "studio",
            "a person facing the camera in front of plain walls (IsoGD-like), mitten hands",
            ("mitten",),
            (("facing", "plain"),),
            ("d415",),
            ("good", "webcam"),
        ),
        Style(
            "desk",
            "a camera looking down at a hand over a desk, or worn on the head, capsule hands",
            ("capsule",),
            (("overhead", "office"), ("overhead", "home"), ("headworn", "home"), ("headworn", "office")),
            ("d435", "d415"),
            ("webcam", "good"),
        ),
        Style(
            "car",
            "a centre-console camera in a car (NvGesture-like), articulated or mitten hands, low light",
            ("articulated", "mitten"),
            (("car", "car"),),
            ("d435", "d455"),
            ("low_light", "webcam"),
        ),
    )
}
V2_STYLES: tuple[str, ...] = tuple(STYLES)
ALL_STYLES: tuple[str, ...] = ("v1", *V2_STYLES)
# The styles the bundled model trains on (the Makefile's BUNDLED_STYLES says the same); studio
# and v1 stay held out to measure transfer (`gesture bench --suites transfer`).
BUNDLED_STYLES: tuple[str, ...] = ("kiosk", "desk", "car")


def check_styles(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Validates a style list: at least one, all known, v1 not mixed with v2 styles.

    Raises:
        ValueError: naming the unknown style and the known ones.
    """
    names = tuple(names)
    if not names:
        raise ValueError(f"give at least one style; known: {', '.join(ALL_STYLES)}")
    unknown = [n for n in names if n not in ALL_STYLES]
    if unknown:
        raise ValueError(f"unknown style {unknown[0]!r}; known: {', '.join(ALL_STYLES)}")
    if "v1" in names and len(names) > 1:
        raise ValueError("style v1 (the version-1 renderer) cannot be mixed with the v2 styles")
    return names


@dataclass(frozen=True)
class StyleChoice:
    """One recording's concrete choices within a style."""

    style: str
    hand_model: str
    viewpoint: str
    family: str
    depth_sensor: str
    camera: str


def choose(rng: np.random.Generator, names: tuple[str, ...]) -> StyleChoice:
    """Draws a style among `names` and its concrete choices (always 6 draws)."""
    picks = rng.random(6)
    style = STYLES[names[int(picks[0] * len(names))]]

    def pick(options: tuple, u: float):
        return options[int(u * len(options))]

    viewpoint, family = pick(style.views, picks[2])
    return StyleChoice(
        style=style.name,
        hand_model=pick(style.hand_models, picks[1]),
        viewpoint=viewpoint,
        family=family,
        depth_sensor=pick(style.depth_sensors, picks[3]),
        camera=pick(style.cameras, picks[4]),
    )
