"""Every clip of a batch beside its own reversal: order as the only difference.

Random time reversal (`augment.reverse_p`, time_reverse.py) shows a network a flip to the
back of the hand in one batch and some other clip played backwards in another. The network
can lower its loss for a while by learning which hand shapes and colours appear, and it
did: the bundled stage-5 model reads 17 of 24 in-domain flip_to_palm clips as flip_to_back.
With `augment.reverse_paired` each reversible clip of a batch is joined by the same clip
(the same augmented pixels) played backwards under its partner's label, so within one
step the two differ only in the order of their frames, and only order lowers the loss on
both (the "arrow of time" signal of self-supervised video learning, used here with labels).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .time_reverse import NOT_REVERSIBLE

__all__ = ["with_reversed_copies"]

FRAME_KEYS = ("rgb", "depth")


def with_reversed_copies(
    batch: dict[str, torch.Tensor], reverse_map: Sequence[int] | torch.Tensor
) -> dict[str, torch.Tensor]:
    """The batch with a reversed copy of each reversible item appended.

    Args:
        batch: `label` int64 [B] and `rgb` / `depth` frames [B, T, H, W, C] (any dtype).
        reverse_map: the label played backwards, per label (NOT_REVERSIBLE: leave out); an
            int64 tensor on the batch's device is used as it is.

    Returns:
        The same keys, B + R items: the originals first, then the R reversible ones with
        their frames in reverse time order and their partners' labels.
    """
    label = batch["label"]
    table = torch.as_tensor(reverse_map, dtype=torch.int64, device=label.device)
    if table.numel() == 0:
        return batch
    inside = (label >= 0) & (label < table.numel())
    partner = torch.full_like(label, NOT_REVERSIBLE)
    partner[inside] = table[label[inside]]
    keep = partner != NOT_REVERSIBLE
    if not bool(keep.any()):
        return batch
    out = dict(batch)
    out["label"] = torch.cat([label, partner[keep]])
    for key in FRAME_KEYS:
        if key in batch:
            frames = batch[key]
            out[key] = torch.cat([frames, frames[keep].flip(1)])
    return out
