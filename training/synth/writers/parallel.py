"""Work items of a generated dataset, their seeds, and the process pool that renders them.

Each item's Generator is seeded from (dataset seed, kind, label, index) only, so the output
does not depend on the number of workers or on the order in which they finish.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from training.synth import classes as C
from training.synth.randomness import key_rng

CLIP_KEY = 0
STREAM_KEY = 1
SPLIT_KEY = 2

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class ClipTask:
    """One isolated clip of a dataset.

    Attributes:
        label: class id.
        index: the clip's number within its class.
    """

    label: int
    index: int

    @property
    def name(self) -> str:
        """File-system name, e.g. `c05_000123`."""
        return f"c{self.label:02d}_{self.index:06d}"

    def rng(self, seed: int) -> np.random.Generator:
        """The clip's Generator, seeded from (seed, CLIP_KEY, label, index)."""
        return key_rng(seed, CLIP_KEY, self.label, self.index)


def clip_tasks(clips_per_class: int) -> list[ClipTask]:
    """All clips of a dataset, by class then index.

    Raises:
        ValueError: for a negative count.
    """
    if clips_per_class < 0:
        raise ValueError(f"clips_per_class must be non-negative, got {clips_per_class}")
    return [ClipTask(label, i) for label in range(C.NUM_CLASSES) for i in range(clips_per_class)]


def stream_rng(seed: int, index: int) -> np.random.Generator:
    """The Generator of stream `index`, seeded from (seed, STREAM_KEY, index)."""
    return key_rng(seed, STREAM_KEY, index)


def split_rng(seed: int, label: int) -> np.random.Generator:
    """The Generator that splits class `label` into train / valid."""
    return key_rng(seed, SPLIT_KEY, label)


def resolve_workers(workers: int | None) -> int:
    """The worker count to use: `workers`, or os.cpu_count() when None."""
    if workers is None:
        return max(1, os.cpu_count() or 1)
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    return int(workers)


def run_parallel(
    fn: Callable[[Item], Result],
    items: Sequence[Item],
    workers: int | None = None,
    progress: bool = True,
    desc: str = "rendering",
) -> list[Result]:
    """Applies a picklable function to every item in a process pool.

    Args:
        fn: module-level function (or functools.partial of one).
        items: the work items.
        workers: processes; None for os.cpu_count(); 1 runs in this process.
        progress: show a tqdm progress bar.
        desc: the progress bar's label.

    Returns:
        The results in the order of `items`.
    """
    from tqdm.auto import tqdm

    n_workers = min(resolve_workers(workers), max(1, len(items)))
    results: list[Result | None] = [None] * len(items)
    with tqdm(total=len(items), desc=desc, disable=not progress, unit="item") as bar:
        if n_workers == 1:
            for i, item in enumerate(items):
                results[i] = fn(item)
                bar.update(1)
        else:
            with ProcessPoolExecutor(max_workers=n_workers) as pool:
                futures = {pool.submit(fn, item): i for i, item in enumerate(items)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update(1)
    return results  # type: ignore[return-value]
