"""`gesture bench`: each suite rewrites only its own section of the report."""

from __future__ import annotations

import subprocess
import sys

from tests.server_utils import ROOT
from tests.tiny_models import export_tiny


def test_batching_suite_writes_its_table_and_keeps_other_sections(tmp_path):
    model = export_tiny(tmp_path / "tiny.onnx")
    report = tmp_path / "BENCH.md"
    report.write_text("# Benchmarks\n\nhand-written notes\n")
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "training.cli",
            "bench",
            "--suites",
            "batching",
            "--model",
            str(model),
            "--streams",
            "1,3",
            "--batches",
            "1,4",
            "--windows",
            "3",
            "--out",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stderr
    text = report.read_text()
    assert "hand-written notes" in text and "## Batching" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [tuple(r.split("|")[1:3]) for r in rows] == [(" 1 ", " 1 "), (" 1 ", " 4 "), (" 3 ", " 1 "), (" 3 ", " 4 ")]
    batch1 = [r for r in rows if r.split("|")[2].strip() == "1"]
    assert all(r.rstrip(" |").endswith("1.00") for r in batch1)  # the ratio's own baseline
    mean_batch_3x4 = float(rows[3].split("|")[6])
    assert 1.0 <= mean_batch_3x4 <= 3.0  # three streams can fill at most three rows of a batch
    res = subprocess.run(
        [sys.executable, "-m", "training.cli", "bench", "--suites", "bogus", "--out", str(report)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert res.returncode != 0 and "unknown suite" in res.stdout + res.stderr
