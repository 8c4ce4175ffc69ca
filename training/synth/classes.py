"""The 13 SynthGesture-RGBD classes, their ids and names, and which stream tells them apart."""

from __future__ import annotations

CLASS_NAMES: tuple[str, ...] = (
    "no_gesture",
    "swipe_left",
    "swipe_right",
    "swipe_up",
    "swipe_down",
    "push",
    "pull",
    "circle_cw",
    "circle_ccw",
    "open_hand",
    "close_hand",
    "flip_to_back",
    "flip_to_palm",
)
"""Class names in label-id order (id 0 is `no_gesture`)."""

NUM_CLASSES: int = len(CLASS_NAMES)

NO_GESTURE = 0
SWIPE_LEFT = 1
SWIPE_RIGHT = 2
SWIPE_UP = 3
SWIPE_DOWN = 4
PUSH = 5
PULL = 6
CIRCLE_CW = 7
CIRCLE_CCW = 8
OPEN_HAND = 9
CLOSE_HAND = 10
FLIP_TO_BACK = 11
FLIP_TO_PALM = 12

GESTURE_IDS: tuple[int, ...] = tuple(range(1, NUM_CLASSES))
"""Ids of the real gestures (every class but `no_gesture`)."""

SWIPES: frozenset[int] = frozenset({SWIPE_LEFT, SWIPE_RIGHT, SWIPE_UP, SWIPE_DOWN})
CIRCLES: frozenset[int] = frozenset({CIRCLE_CW, CIRCLE_CCW})
DEPTH_ONLY: frozenset[int] = frozenset({PUSH, PULL})
"""Classes whose RGB is identical in distribution: only depth separates them."""
RGB_ONLY: frozenset[int] = frozenset({FLIP_TO_BACK, FLIP_TO_PALM})
"""Classes whose depth is identical in distribution: only RGB separates them."""

_IDS = {name: i for i, name in enumerate(CLASS_NAMES)}


def class_name(label: int) -> str:
    """The name of a class id.

    Raises:
        ValueError: for an id outside 0..12.
    """
    check_label(label)
    return CLASS_NAMES[label]


def class_id(name: str) -> int:
    """The id of a class name.

    Raises:
        KeyError: for an unknown name (the message lists the known ones).
    """
    try:
        return _IDS[name]
    except KeyError:
        raise KeyError(f"unknown class {name!r}; known: {', '.join(CLASS_NAMES)}") from None


def check_label(label: int) -> int:
    """Returns `label` as an int after checking it is a valid class id.

    Raises:
        ValueError: for an id outside 0..12 (or a non-integer).
    """
    if isinstance(label, bool) or int(label) != label or not 0 <= int(label) < NUM_CLASSES:
        raise ValueError(f"label must be an integer in [0, {NUM_CLASSES - 1}], got {label!r}")
    return int(label)
