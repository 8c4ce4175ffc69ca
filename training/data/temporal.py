"""Temporal sampling of a clip's frames (wraps `model.sampling`, the rule of the paper)."""

from __future__ import annotations

import numpy as np
import torch

from model.sampling import eval_indices, random_indices


def sample_indices(
    n_frames: int,
    count: int,
    train: bool,
    rng: np.random.Generator | torch.Generator | None = None,
) -> list[int]:
    """Picks `count` frame indices of a clip with `n_frames` frames, one per segment.

    Segment i covers [int(n*i/count), max(lo+1, int(n*(i+1)/count))); training takes a
    random index in each segment, evaluation the segment's (truncated) mean index. Indices
    repeat when n_frames < count.

    Args:
        n_frames: frames in the clip (>= 1).
        count: frames to sample, T (>= 1).
        train: random (True) or deterministic (False) sampling.
        rng: randomness for training: a numpy Generator (a torch Generator is seeded from
            it), a torch Generator, or None for torch's global generator. Unused at eval.

    Returns:
        `count` indices in [0, n_frames), non-decreasing.

    Raises:
        ValueError: n_frames or count < 1.
    """
    if n_frames < 1 or count < 1:
        raise ValueError(f"need n_frames >= 1 and count >= 1, got n_frames={n_frames} count={count}")
    if not train:
        return eval_indices(n_frames, count)
    if isinstance(rng, np.random.Generator):
        rng = torch.Generator().manual_seed(int(rng.integers(0, 2**63 - 1)))
    return [int(i) for i in random_indices(n_frames, count, rng)]
