"""Which class a horizontally mirrored clip shows, found from the class names.

A mirrored swipe_left is a swipe_right and a mirrored circle_cw a circle_ccw; every other
gesture (up / down, push / pull, open / close, ...) looks the same in a mirror. Names are
split into words (at any non-alphanumeric character and at lower-to-upper case changes),
the words left <-> right, cw <-> ccw and clockwise <-> counterclockwise / anticlockwise
(also written "counter clockwise") are swapped, and a class maps to the class whose words
are the result, when the dataset has it. Without such pairs the map is the identity.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["flip_label_map", "name_words"]

_SWAPS = {
    "left": "right",
    "right": "left",
    "cw": "ccw",
    "ccw": "cw",
    "clockwise": "counterclockwise",
    "counterclockwise": "clockwise",
    "anticlockwise": "clockwise",
}
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


def name_words(name: str) -> tuple[str, ...]:
    """Lower-case words of a class name, "counter clockwise" joined into one word.

    E.g. "swipe_left" -> ("swipe", "left"); "RotateCounterClockwise" -> ("rotate",
    "counterclockwise"); "Two fingers left" -> ("two", "fingers", "left").
    """
    words: list[str] = []
    for w in (m.group(0).lower() for m in _WORD.finditer(name)):
        if w == "clockwise" and words and words[-1] in ("counter", "anti"):
            words[-1] = words[-1] + w
        else:
            words.append(w)
    return tuple(words)


def _mirrored(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Candidate word tuples of the mirrored class, best first."""
    swapped = tuple(_SWAPS.get(w, w) for w in words)
    if swapped == words:
        return []
    # "clockwise" mirrors to "counterclockwise" or "anticlockwise", whichever the set uses
    alt = tuple("anticlockwise" if w == "counterclockwise" and o == "clockwise" else w for w, o in zip(swapped, words))
    return [swapped, alt] if alt != swapped else [swapped]


def flip_label_map(names: Sequence[str]) -> list[int]:
    """The label of each class after a horizontal flip.

    Args:
        names: class names in label-id order.

    Returns:
        `m` with `m[i]` the id of the mirrored class i (i itself when the class has no
        mirrored counterpart in `names`). `m` is an involution: m[m[i]] == i.

    Raises:
        ValueError: two classes have the same words (the map would be ambiguous), or the
            pairs found are not symmetric.
    """
    index: dict[tuple[str, ...], int] = {}
    for i, name in enumerate(names):
        words = name_words(name)
        if words in index:
            raise ValueError(f"class names {names[index[words]]!r} and {name!r} are the same words {words}")
        index[words] = i
    out = list(range(len(names)))
    for words, i in index.items():
        for cand in _mirrored(words):
            if cand in index:
                out[i] = index[cand]
                break
    for i, j in enumerate(out):
        if out[j] != i:
            raise ValueError(f"mirrored classes are not paired: {names[i]!r} -> {names[j]!r} -> {names[out[j]]!r}")
    return out
