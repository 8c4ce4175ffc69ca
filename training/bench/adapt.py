"""Adapt benchmark: `gesture adapt` on a generated style the base model never saw, against
takes per class and vocabulary; accuracy by `gesture evaluate` on other takes, wall time of
the whole adapt run (export included) on this machine."""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from training.adapt.run import AdaptOptions, adapt
from training.adapt.vocabulary_sets import SIX_COMMANDS, write_vocabulary_set
from training.bench.report import machine_line, print_table, write_section
from training.evaluation.clips import evaluate

SOURCE_SEED = 21
EVAL_TAKES = 8  # per class, never adapted on
VOCABULARIES = {"six commands (new names)": SIX_COMMANDS, "base's 13 classes": None}


@dataclass(frozen=True)
class AdaptRow:
    """One adapt run: vocabulary, takes per class, the adapted model's top-1 on the
    evaluation takes, the base model's (None where it does not know the names), seconds."""

    vocabulary: str
    takes: int
    eval_clips: int
    top1: float
    base_top1: float | None
    retrained: str
    seconds: float
    detector: str  # the event detector's settings: tuned on the held-out takes (with scores) or the base's


def ensure_source(folder: Path, per_class: int, style: str) -> None:
    """Generate the npz set the runs cut their takes from, when missing."""
    if (folder / "labels.csv").is_file():
        return
    from training.synth.writers.npz import write_npz_clips

    Console(stderr=True).print(f"{folder} missing: generating it ({style}, seed {SOURCE_SEED}, {per_class} per class)")
    write_npz_clips(folder, per_class, SOURCE_SEED, styles=(style,))


def run_adapt_bench(
    base: Path,
    out: Path,
    takes: list[int],
    work: Path,
    style: str,
    minutes: float,
    command: str,
    scratch: tuple[int, ...] = (),
    vocabularies: tuple[str, ...] = ("six", "base"),
) -> list[AdaptRow]:
    """Every (vocabulary, takes) run; prints the table and rewrites the `adapt` section
    after each run (a run takes minutes: an interrupted suite keeps the rows it finished,
    and rows of `out` this run does not redo stay, so a suite can be finished in pieces).

    Args:
        takes: takes per class to adapt on.
        scratch: takes per class for which the same takes also train the network from
            random weights for as long as `gesture adapt` took on them (this run's row, else
            the one already in `out`; training/bench/adapt_scratch.py).
        vocabularies: `six` (new names) and/or `base` (the base's 13 classes).
    """
    source = work / f"source-{style}"
    ensure_source(source, max([*takes, *scratch]) + EVAL_TAKES, style)
    kept = previous_rows(out)
    rows: list[AdaptRow] = []

    def publish() -> None:
        redone = {_key(r) for r in rows}
        merged = sorted([*rows, *(r for r in kept if _key(r) not in redone)], key=_order)
        write_section(out, "adapt", render(merged, command, base, style))

    for vocab_name, names in VOCABULARIES.items():
        tag = "six" if names else "base"
        if tag not in vocabularies:
            continue
        eval_dir = work / f"{tag}-eval"
        shutil.rmtree(eval_dir, ignore_errors=True)
        write_vocabulary_set(source, eval_dir, names, max([*takes, *scratch]), EVAL_TAKES)
        base_top1 = None if names else evaluate(base, eval_dir, split="all", progress=False)[0].top1
        for n in sorted({*takes, *scratch}):
            train_dir = work / f"{tag}-takes{n}"
            shutil.rmtree(train_dir, ignore_errors=True)
            write_vocabulary_set(source, train_dir, names, 0, n)
            if n in takes:
                model = work / f"{tag}-takes{n}.onnx"
                t0 = time.monotonic()
                report = adapt(AdaptOptions(data=train_dir, out=model, base=base, minutes=minutes, progress=False))
                seconds = time.monotonic() - t0
                result, _ = evaluate(model, eval_dir, split="all", progress=False)
                row = (vocab_name, n, result.count, result.top1, base_top1, report["retrained"], seconds)
                rows.append(AdaptRow(*row, _detector(report["events"])))
                Console(stderr=True).print(f"{vocab_name}, {n} takes: {result.top1:.1%} ({seconds:.0f} s)")
                publish()  # after each run: a long suite
            if n in scratch:
                adapted = next((r for r in [*rows, *kept] if _key(r) == (vocab_name, n, False)), None)
                if adapted is None:
                    Console(stderr=True).print(f"{vocab_name}, {n} takes: no adapt row to time the control by; skipped")
                    continue
                rows.append(_scratch_row(base, train_dir, eval_dir, adapted.seconds, adapted))
                Console(stderr=True).print(f"{vocab_name}, {n} takes, from scratch: {rows[-1].top1:.1%}")
                publish()
    _print(rows)
    return rows


SCRATCH = "everything, from random weights"


def _key(row: AdaptRow) -> tuple[str, int, bool]:
    return row.vocabulary, row.takes, row.retrained.startswith(SCRATCH)


def _order(row: AdaptRow) -> tuple[int, int, bool]:
    return list(VOCABULARIES).index(row.vocabulary), row.takes, row.retrained.startswith(SCRATCH)


def previous_rows(out: Path) -> list[AdaptRow]:
    """The rows of the `adapt` section already in `out` (none when it has no such section)."""
    if not out.is_file():
        return []
    text = out.read_text()
    start, end = text.find("<!-- bench:adapt -->"), text.find("<!-- /bench:adapt -->")
    rows = []
    for line in text[start:end].splitlines() if start >= 0 else []:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 8 or cells[0] not in VOCABULARIES:
            continue
        vocabulary, takes, clips, top1, base_top1, retrained, detector, seconds = cells
        base_value = float(base_top1.rstrip("%")) / 100 if base_top1.endswith("%") else None
        rows.append(
            AdaptRow(
                vocabulary,
                int(takes),
                int(clips),
                float(top1.rstrip("%")) / 100,
                base_value,
                retrained,
                float(seconds),
                detector,
            )
        )
    return rows


def _scratch_row(base: Path, train_dir: Path, eval_dir: Path, seconds: float, adapted: AdaptRow) -> AdaptRow:
    """The control of `adapted`: its takes trained from random weights for as long as adapt ran."""
    from training.bench.adapt_scratch import train_from_scratch

    result = train_from_scratch(base, train_dir, eval_dir, seconds / 60.0)
    return dataclasses.replace(
        adapted,
        top1=result.top1,
        retrained=f"{SCRATCH} ({result.epochs} epochs)",
        seconds=result.seconds,
        detector="-",
    )


def _detector(events: dict) -> str:
    if not events["tuned"]:
        return "base's settings" + (
            "" if events["levenshtein_accuracy"] is None else f" (best on {events['levenshtein_accuracy']:.0%})"
        )
    return f"tuned: {events['levenshtein_accuracy']:.0%} vs {events['base_settings_accuracy']:.0%} with the base's"


def _print(rows: list[AdaptRow]) -> None:
    table = Table(title="adapt")
    for col in ("vocabulary", "takes/class", "top-1", "base top-1", "retrained", "seconds"):
        table.add_column(col)
    for r in rows:
        base = "-" if r.base_top1 is None else f"{r.base_top1:.1%}"
        table.add_row(r.vocabulary, str(r.takes), f"{r.top1:.1%}", base, r.retrained, f"{r.seconds:.0f}")
    print_table(table)


def render(rows: list[AdaptRow], command: str, base: Path, style: str) -> str:
    lines = [
        "## Adapt: a few takes of a style the base model never saw",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine_line()}  ",
        f"Base model: `{base}`. Takes: generated `{style}` clips (a style the base never trained on), "
        f"seed {SOURCE_SEED}; each run adapts on the first N takes per class and is scored by `gesture evaluate` "
        f"on {EVAL_TAKES} other takes per class. `six commands` renames six of our gestures "
        f"({', '.join(f'{k} -> {v}' for k, v in SIX_COMMANDS.items())}) with new ids. Seconds: the whole "
        "`gesture adapt` run (views, training, refit, ONNX export of the model and its stages). Rows retrained "
        "`everything, from random weights` are the control: the same takes, network and augmentation, every layer "
        "trained from random weights for as long as the `gesture adapt` row above it took, scored the same way. "
        "One run per row: "
        "with 48-104 evaluation clips, one clip is 1-2 points. Detector: Levenshtein accuracy of the event "
        "detector on the held-out takes played end to end (tuned when at least 6 takes are held out).",
        "",
        "| vocabulary | takes per class | evaluation clips | adapted top-1 | base model top-1 | retrained | detector "
        "| seconds |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- | ---: |",
    ]
    for r in rows:
        base_text = "- (names unknown to it)" if r.base_top1 is None else f"{r.base_top1:.1%}"
        lines.append(
            f"| {r.vocabulary} | {r.takes} | {r.eval_clips} | {r.top1:.1%} | {base_text} | {r.retrained} "
            f"| {r.detector} | {r.seconds:.0f} |"
        )
    return "\n".join(lines) + "\n"
