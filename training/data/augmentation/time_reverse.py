"""Which class a clip played backwards shows: time reversal as a label-changing augmentation.

Played backwards, a swipe to the left is a swipe to the right, a clockwise circle a
counter-clockwise one, a flip to the back of the hand a flip to the palm, an opening hand
a closing one. A network that tells such a pair apart must use the order of the frames,
not which hand shapes or which motion appear: the pairs SynthGesture's models confused
most (circle_cw read as circle_ccw, the two flips at chance) differ only in that order.

The pairs are named in the config (`augment.reverse_pairs`, "a:b,c:d,e:e"; a class paired
with itself looks the same backwards, like no_gesture). A class in no pair is never
reversed: its reversal may be no class of the dataset at all.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["NOT_REVERSIBLE", "reverse_label_map"]

NOT_REVERSIBLE = -1


def reverse_label_map(names: Sequence[str], pairs: str) -> list[int]:
    """The label of each class played backwards, NOT_REVERSIBLE for a class in no pair.

    Args:
        names: class names in label-id order.
        pairs: "a:b,c:d,..." of class names; "x:x" for a class that is its own reversal.

    Raises:
        ValueError: a malformed pair, a name the dataset does not have, or a class in two
            pairs (the message names it).
    """
    index = {name: i for i, name in enumerate(names)}
    out = [NOT_REVERSIBLE] * len(names)
    for pair in (p.strip() for p in pairs.split(",") if p.strip()):
        parts = [x.strip() for x in pair.split(":")]
        if len(parts) != 2 or not all(parts):
            raise ValueError(f"augment.reverse_pairs: {pair!r} is not 'a:b'")
        for name in parts:
            if name not in index:
                raise ValueError(f"augment.reverse_pairs: no class {name!r} in the data ({', '.join(names)})")
        a, b = index[parts[0]], index[parts[1]]
        for i in {a, b}:
            if out[i] != NOT_REVERSIBLE:
                raise ValueError(f"augment.reverse_pairs: {names[i]!r} is in two pairs")
        out[a], out[b] = b, a
    return out
