"""`gesture bench`: each suite rewrites only its own section of the report."""

from __future__ import annotations

from tests.support.server_utils import run_gesture


def test_batching_suite_rewrites_only_its_section_and_unknown_suites_are_refused(tmp_path, tiny_onnx):
    report = tmp_path / "BENCH.md"
    report.write_text("# Benchmarks\n\nhand-written notes\n")
    res = run_gesture(
        "bench",
        "--suites",
        "batching",
        "--model",
        tiny_onnx,
        "--streams",
        "1,3",
        "--batches",
        "1,4",
        "--windows",
        "3",
        "--out",
        report,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    text = report.read_text()
    assert "hand-written notes" in text and "## Batching" in text
    rows = [line for line in text.splitlines() if line.startswith("| full |")]
    assert [tuple(r.split("|")[2:4]) for r in rows] == [(" 1 ", " 1 "), (" 1 ", " 4 "), (" 3 ", " 1 "), (" 3 ", " 4 ")]
    assert "| incremental |" not in text  # this model has no stages
    command = next(line for line in text.splitlines() if line.startswith("Command:"))
    assert f"--model {tiny_onnx}" in command and f"--out {report}" in command  # as typed
    assert "vs batch 1" in res.stdout  # the console table's last column is printed, not cut
    # data a suite would generate goes beside the report, not into the current folder
    assert f"generated under {tmp_path / 'data'} when missing" in " ".join((res.stdout + res.stderr).split())
    batch1 = [r for r in rows if r.split("|")[3].strip() == "1"]
    assert all(r.rstrip(" |").endswith("1.00") for r in batch1)  # the ratio's own baseline
    mean_batch_3x4 = float(rows[3].split("|")[7])
    assert 1.0 <= mean_batch_3x4 <= 3.0  # three streams can fill at most three rows of a batch
    res = run_gesture("bench", "--suites", "bogus", "--out", report, timeout=120)
    assert res.returncode != 0 and "unknown suite" in res.stdout + res.stderr
    assert "hand-written notes" in report.read_text() and "## Batching" in report.read_text()  # untouched


def _table(text: str, first_cell: str) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")[1:-1]] for line in text.splitlines() if line.startswith(first_cell)]


def test_incremental_batching_and_capacity_suites_on_a_staged_model(tmp_path, staged_tiny):
    from training.synth import write_dataset

    model = staged_tiny
    data = tmp_path / "heldout"
    write_dataset(data, 1, 777, size=64, streams=1, stream_gestures=2, workers=1)
    report = tmp_path / "BENCH.md"
    res = run_gesture(
        "bench",
        "--suites",
        "model,incremental,batching,capacity,soak",
        "--profiles",
        "tiny",
        "--model",
        str(model),
        "--data",
        str(data),
        "--repeats",
        "1",
        "--streams",
        "2",
        "--batches",
        "1,4",
        "--windows",
        "3",
        "--capacity-streams",
        "1",
        "--seconds",
        "2",
        "--size",
        "64",
        "--soak-streams",
        "2",
        "--soak-seconds",
        "2",
        "--out",
        str(report),
    )
    assert res.returncode == 0, res.stdout + res.stderr
    text = report.read_text()
    # Soak: both streams kept to their final stats, windows classified, and four memory
    # figures read (the last after the server's idle give-back; test_memory.py checks what
    # that gives back)
    (soak,) = _table(text, "| 2 | 2 |")
    assert all(float(v) > 0 for v in soak[6].split(" / ")) and len(soak[6].split(" / ")) == 4
    assert int(soak[4]) > 0 and "s after (MiB) |" in text
    # Incremental: one hop does less work than a full window, and on the held-out stream the
    # incremental windows are the full-window graph's (the stages are exact).
    # Model: the profile's untrained network, and the --model file as it is
    (profile,) = _table(text, "| tiny | 8 x 32px |")
    (measured,) = _table(text, f"| {model.name} (tiny, rgb+depth) |")
    assert measured[2:4] == profile[2:4]  # the same network: the same parameter counts
    assert float(measured[6]) > 0 and float(measured[5]) > 0
    (hop,) = [r for r in _table(text, "| tiny |") if len(r) != len(profile)]
    assert float(hop[5]) > float(hop[6]) > 0 and hop[7].endswith("x")
    (agreement,) = _table(text, "| 100.00% |")
    assert agreement[1] == "1 / 1"
    # Batching has rows for both modes; capacity has trials for both.
    batching = [r for r in _table(text, "| incremental | 2 |") + _table(text, "| full | 2 |") if len(r) == 8]
    assert len(batching) == 4
    trials = [r for r in _table(text, "| incremental | 1 |") + _table(text, "| full | 1 |") if len(r) == 7]
    assert len(trials) == 2
    assert any(r[2] != "0" for r in trials)  # windows were classified over the real server
    assert "Capacity (largest stream count with under 1 % skipped)" in text


def test_transfer_suite_scores_each_set_and_marks_the_held_out_styles(tmp_path, tiny_onnx, synth_small):
    from training.synth import write_dataset

    studio = tmp_path / "studio"
    write_dataset(studio, 1, 5, size=48, streams=1, stream_gestures=2, workers=1, progress=False, styles=("studio",))
    report = tmp_path / "BENCH.md"
    res = run_gesture(
        "bench",
        "--suites",
        "transfer",
        "--transfer-models",
        tiny_onnx,
        "--transfer-sets",
        f"{synth_small},{studio}",
        "--trained-on",
        "v1",
        "--out",
        report,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    text = report.read_text()
    assert "## Transfer: in-domain and held-out render styles" in text
    (seen,) = [r for r in _table(text, f"| {tiny_onnx.name} |") if r[2] == "v1"]
    (held,) = [r for r in _table(text, f"| {tiny_onnx.name} |") if r[2] == "studio"]
    assert seen[3] == "yes" and seen[4] == str(3 * 13) and seen[7] == seen[8] == "-"  # no streams in that set
    assert held[3] == "**held out**" and held[4] == "13" and held[6] == "2"
    assert held[7].endswith("%") and held[8].endswith("%")  # streams decoded as uploads and as live streams
    assert 0.0 <= float(held[5].rstrip("%")) <= 100.0


def test_the_adapt_section_reads_back_its_rows_so_a_suite_can_finish_in_pieces(tmp_path):
    from training.bench.adapt import AdaptRow, previous_rows, render
    from training.bench.report import write_section

    rows = [
        AdaptRow("six commands (new names)", 5, 48, 0.896, None, "temporal", 454.0, "base's settings"),
        AdaptRow("base's 13 classes", 5, 104, 0.721, 0.827, "everything, from random weights (9 epochs)", 290.0, "-"),
    ]
    out = tmp_path / "BENCH.md"
    write_section(out, "adapt", render(rows, "gesture bench --suites adapt", tmp_path / "m.onnx", "studio"))
    back = previous_rows(out)
    assert [(r.vocabulary, r.takes, r.eval_clips, r.retrained, r.seconds) for r in back] == [
        (r.vocabulary, r.takes, r.eval_clips, r.retrained, r.seconds) for r in rows
    ]
    assert [round(r.top1, 3) for r in back] == [0.896, 0.721] and back[0].base_top1 is None
    assert previous_rows(tmp_path / "missing.md") == []
