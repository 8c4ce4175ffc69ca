"""The gesturer of SynthGesture v2: an articulated hand that belongs to a person (hand,
forearm, upper arm and, where the camera faces the person, torso, shoulders and head),
rendered as Layers."""

from training.synth.person.identity import HAND_MODELS, PersonIdentity, sample_person
from training.synth.person.placement import ARM_ENTRIES, Placement, sample_placement
from training.synth.person.render import render_person

__all__ = [
    "ARM_ENTRIES",
    "HAND_MODELS",
    "PersonIdentity",
    "Placement",
    "render_person",
    "sample_person",
    "sample_placement",
]
