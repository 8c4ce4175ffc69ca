"""The README's Python client example, run as written against a real server with a clip of
three generated gestures: it classifies the file, streams its frames and prints the events
and the final stats."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np

from service.settings import default_model_path
from tests.support.bundled import bundled_stream
from tests.support.server_utils import ROOT, running_server
from training.synth import CLASS_NAMES


def _readme_example() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    (example,) = [b for b in blocks if "StreamClient(" in b]
    return example


def test_the_readme_client_example_runs_and_reports_what_happened(tmp_path):
    stream = bundled_stream(31, [2, 6, 9])
    np.savez(tmp_path / "clip.npz", rgb=stream.rgb, depth=stream.depth, fps=np.float32(30))
    with running_server(default_model_path()) as url:
        code = _readme_example().replace('"http://127.0.0.1:8000"', repr(str(url)))
        res = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
    assert res.returncode == 0, res.stderr[-3000:]
    lines = res.stdout.splitlines()
    assert lines[0].split()[0] in CLASS_NAMES  # the whole-file answer
    frames = len(stream.rgb)
    assert lines[-1].startswith(f"{frames} frames (0 refused), "), lines  # the final stats, always printed
    assert all(line.startswith("gesture ") for line in lines[1:-1]), lines
