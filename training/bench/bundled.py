"""Write the version-1 model section of BENCHMARKS.md from a `make model-v1` run:
held-out top-1 of the RGB, depth and RGB-D models, stream scores and training wall time."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from training.bench.report import machine_line, write_section

BLIND_PAIRS = ("push", "pull", "flip_to_back", "flip_to_palm")


def _train_seconds(run: Path) -> float:
    return sum(json.loads(line)["seconds"] for line in (run / "metrics.jsonl").read_text().splitlines())


RUNS = (
    ("rgb", "RGB alone"),
    ("depth", "depth alone"),
    ("rgbd", "RGB-D fusion, isolated clips (stage 2)"),
    ("rgbd-streams", "RGB-D fusion + stream windows (stage 3): the version-1 model"),
)


def report(runs: Path, out: Path) -> str:
    rows = []
    for key, title in RUNS:
        res = json.loads((runs / f"heldout-{key}.json").read_text())
        per = res["per_class"]
        worst = sorted(per.items(), key=lambda kv: kv[1])[:2]
        weakest = ", ".join(f"{k} {v * 100:.0f}" for k, v in worst)
        minutes = _train_seconds(runs / f"synth-lite-{key}") / 60
        pairs = " | ".join(f"{per[name] * 100:.0f}" for name in BLIND_PAIRS)
        rows.append(
            f"| {title} | {res['top1'] * 100:.2f} | {res['top5'] * 100:.2f} | {res['count']} | {pairs} | {weakest} "
            f"| {minutes:.1f} |"
        )
    streams = json.loads((runs / "heldout-streams.json").read_text())
    delay = streams["mean_delay_frames"]
    body = "\n".join(
        [
            "## Version-1 model (bundled until 2026-12): SynthGesture version 1, lite profile, trained on this machine",
            "",
            "Commands: those of `make model-v1` (generation, the four trainings, export, the evaluations below).  ",
            f"Machine: {machine_line()}  ",
            "Training set: `gesture synth --clips-per-class 120 --seed 1` (1,248 train / 312 valid clips) and, "
            "for stage 3, labelled windows of 24 streams (`--seed 303 --streams 24`). Held-out set: "
            "`gesture synth --clips-per-class 20 --seed 777 --streams 6`, a seed never used for training or "
            "tuning; all 260 clips evaluated (`gesture evaluate --split all`). The detector settings were "
            "tuned on other streams (`--seed 555`).",
            "",
            "| model | held-out top-1 (%) | top-5 (%) | clips | push | pull | flip_to_back | flip_to_palm "
            "| two weakest classes (%) | training wall time (min) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
            *rows,
            "",
            "push/pull look the same in colour (only depth tells them apart) and the flips look the same in "
            "depth (only colour does): the per-class columns show each single-modality model failing on the "
            "pair its modality cannot see, and the fused models getting both.",
            "",
            f"Online recognition on the {len(streams['streams'])} held-out streams with the version-1 model "
            f"(`gesture evaluate-stream --data data/synth-heldout`, window {streams['stream_window']} frames, "
            f"hop {streams['hop']}): Levenshtein accuracy **{streams['levenshtein_accuracy'] * 100:.2f} %** over "
            f"{streams['gestures']} gestures ({streams['events']} events emitted); mean delay from a gesture's "
            f"last frame to its event {'n/a' if delay is None else f'{delay:.1f} frames'} (negative: before "
            "its last frame).",
        ]
    )
    write_section(out, "bundled", body)
    return body


if __name__ == "__main__":
    print(report(Path(sys.argv[1] if len(sys.argv) > 1 else "runs"), Path("BENCHMARKS.md")))
