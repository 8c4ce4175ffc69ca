"""BENCHMARKS.md sections: each benchmark owns one marked section and rewrites only it."""

from __future__ import annotations

import os
import platform
import re
import sys
from pathlib import Path
from typing import Any

HEADER = "# Benchmarks\n\nEvery number here was printed by the command shown with it, on the machine shown.\n"


def machine_line() -> str:
    """CPU model, cores and library versions of this run."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = [f"Python {sys.version.split()[0]}"]
    for mod in ("torch", "onnxruntime", "numpy"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except ImportError:
            pass
    return f"{cpu}, {os.cpu_count()} cores visible; {', '.join(versions)}"


def write_section(path: Path, name: str, body: str) -> None:
    """Replace (or append) the section `name` of the Markdown file at `path`."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = path.read_text() if path.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def print_table(table: Any) -> None:
    """Print a rich table whole: as wide as it needs, even past the terminal (or the 80
    columns rich assumes when stdout is not a terminal), so no column is cut."""
    from rich.console import Console

    width = Console(width=10_000).measure(table).maximum  # unclamped by the terminal
    Console(width=max(width, Console().width)).print(table)
