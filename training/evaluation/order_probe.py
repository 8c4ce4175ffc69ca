"""Does a model read the order of frames? Its answers on clips played forwards and backwards.

A model that has learned a gesture's direction answers a reversed clip with the partner
gesture (circle_cw backwards -> circle_ccw); one that keys on appearance gives the same
answer both ways. Diagnostic only (BENCHMARKS.md, "Transfer", notes on stage 5):

    python -m training.evaluation.order_probe MODEL DATA [--split valid] [--classes a,b]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

from service.inference.prepare import prepare_clip
from training.evaluation.clips import load_predictor, open_splits

DEFAULT_CLASSES = "flip_to_back,flip_to_palm,open_hand,circle_cw"


def order_probe(model: Path, data: Path, split: str, classes: list[str]) -> dict[str, tuple[Counter, Counter]]:
    """Per class of `classes`: (answers on its clips as recorded, answers played backwards),
    each a Counter of predicted class names (`split` all: every split's clips)."""
    card, predict = load_predictor(model, threads=1)
    readers = open_splits(data, split, tuple(card.modalities))
    names = card.labels
    out: dict[str, tuple[Counter, Counter]] = {c: (Counter(), Counter()) for c in classes}
    for reader, i in ((r, i) for r in readers for i in range(len(r))):
        clip = reader.load(i)
        if names[clip.label] not in out:
            continue
        forwards, backwards = out[names[clip.label]]
        for answers, step in ((forwards, 1), (backwards, -1)):
            rgb = None if clip.rgb is None else np.ascontiguousarray(clip.rgb[::step])
            depth = None if clip.depth is None else np.ascontiguousarray(clip.depth[::step])
            answers[names[int(np.argmax(predict(prepare_clip(rgb, depth, card))[0]))]] += 1
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("data", type=Path)
    parser.add_argument("--split", default="valid", help="train, valid or all")
    parser.add_argument("--classes", default=DEFAULT_CLASSES)
    args = parser.parse_args()
    for name, (forwards, backwards) in order_probe(args.model, args.data, args.split, args.classes.split(",")).items():
        print(f"{name}: forwards {dict(forwards.most_common())} | backwards {dict(backwards.most_common())}")


if __name__ == "__main__":
    main()
