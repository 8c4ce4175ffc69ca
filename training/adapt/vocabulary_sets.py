"""Takes under a new vocabulary, cut from a generated set: what the adapt benchmark and
tests feed `gesture adapt` (a user's product names for a subset of our gestures)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from training.data.npz_folder import INDEX_COLUMNS, INDEX_FILE, read_labels_csv

# A product's six commands, each one of our gestures (new names, new ids).
SIX_COMMANDS = {
    "swipe_right": "next",
    "swipe_left": "back",
    "push": "select",
    "circle_cw": "more",
    "open_hand": "stop",
    "no_gesture": "idle",
}


def write_vocabulary_set(
    source: Path, out: Path, names: dict[str, str] | None, first: int, count: int
) -> dict[str, int]:
    """Copy takes `first .. first + count - 1` of each chosen class of an npz set to `out`
    (npz clips + labels.csv), renamed and renumbered by `names` ({our name: new name}, in
    the new id order); None keeps every class of `source` under its own name and id.

    Returns:
        Takes written per (new) class name.

    Raises:
        ValueError: `source` lacks one of the classes, or has too few takes of one.
    """
    rows = read_labels_csv(Path(source) / INDEX_FILE)
    by_name: dict[str, list[str]] = {}
    for file, _label, name in rows:
        by_name.setdefault(name, []).append(file)
    if names is None:
        ids = {name: label for _f, label, name in rows}
        names = {name: name for name in sorted(ids, key=ids.get)}  # type: ignore[arg-type]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    with open(out / INDEX_FILE, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(INDEX_COLUMNS)
        for new_id, (ours, new_name) in enumerate(names.items()):
            files = sorted(by_name.get(ours, []))[first : first + count]
            if len(files) < count:
                raise ValueError(f"{source} has {len(files)} takes of {ours!r} from take {first}, {count} asked")
            for file in files:
                shutil.copyfile(Path(source) / file, out / file)
                writer.writerow([file, new_id, new_name])
            written[new_name] = len(files)
    return written
