"""`gesture record`: guided recording of labelled RGB-D clips from a RealSense camera (or a
recording), written in the recorder layout the training readers accept
(`training/data/recorder.py`), so `gesture train` works on them directly.

With a camera each take is announced with a countdown and "perform <label> now", then
`seconds` of frames are kept; with a recording the takes are consecutive stretches of the
file (no waiting). Takes 2, 7, 12 ... of a label go to the `valid` split (one in five, and
one as soon as a label has two takes).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from service.sources.realsense import RGBDFrame
from service.teach.takes_folder import Take, delete_takes, merge_labels, write_take
from training.data.recorder import RecorderClipInfo, list_recorder_clips

__all__ = ["Take", "delete_takes", "list_takes", "merge_labels", "record_takes"]


def record_takes(
    frames: Iterator[RGBDFrame],
    root: Path,
    labels: list[str],
    count: int,
    seconds: float,
    fps: float,
    live: bool,
    countdown: int = 3,
    say: Callable[[str], None] = print,
) -> list[Take]:
    """Record `count` takes of every label, in rounds (a, b, c, a, b, c ...).

    Args:
        frames: the source's frames.
        live: a camera (announce takes, wait through a countdown, dropping its frames).
        say: where the prompts go.

    Returns:
        The takes written; fewer if the source ran out (a recording ends).
    """
    merge_labels(root, labels)
    per_take = max(1, round(seconds * fps))
    takes: list[Take] = []
    for round_no in range(count):
        for label in labels:
            if live:
                for n in range(countdown, 0, -1):
                    say(f"take {round_no + 1}/{count}: {label} in {n} ...")
                    deadline = time.monotonic() + 1.0
                    while time.monotonic() < deadline:  # keep the camera's queue drained
                        if next(frames, None) is None:
                            return takes
                say(f"perform {label} now")
            kept: list[RGBDFrame] = []
            for frame in frames:
                kept.append(frame)
                if len(kept) == per_take:
                    break
            if len(kept) < per_take:
                say(f"the source ended during take {round_no + 1} of {label}; it was not kept")
                return takes
            take = write_take(root, label, [(f.rgb, f.depth_mm) for f in kept], fps)
            takes.append(take)
            say(f"saved {take.clip_id} ({take.frames} frames, {take.split})")
    return takes


def list_takes(root: Path) -> list[RecorderClipInfo]:
    """The clips recorded under `root`."""
    return list_recorder_clips(root)
