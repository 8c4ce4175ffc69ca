"""One `gesture adapt` run in a child process, watched for progress.

The server never imports the training code (nor torch): it starts `python -m training.cli
adapt ... --json` at a lower priority (niceness 10 by default, `GESTURE_TEACH_ADAPT_NICE`),
so live streams keep their CPU share, and reads the
child's progress bars (tqdm lines on stderr: "adapting (temporal):  40%|...| 24/60 ...")
and messages as they come; the report is the JSON line the child prints on stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import re
import sys
import time
from collections import deque
from pathlib import Path
from typing import Any

from service.errors import Conflict

BAR = re.compile(r"^(?P<stage>[^|]+?):\s+\d+%\|[^|]*\|\s*(?P<done>\d+)/(?P<total>\d+)")
LINES = re.compile(r"[\r\n]")
MESSAGES_KEPT = 30


def check_training_installed() -> None:
    """Adapting needs the training code and PyTorch in this environment.

    Raises:
        Conflict: they are not installed.
    """
    missing = [m for m in ("torch", "training") if importlib.util.find_spec(m) is None]
    if missing:
        raise Conflict(
            f"adapting needs the training install ({', '.join(missing)} missing here): "
            "run `.ci/setup` (the full install) or `pip install -e '.[train]'`, then restart the server"
        )


class AdaptJob:
    """`gesture adapt --data data --out out --base base --minutes minutes`, started by `start`.

    Attributes:
        state: running, done, failed or cancelled.
        stage: the step the child is on (its progress bar's title, or its last message).
        done, total: the step's progress (total 0: no count, e.g. while exporting).
        messages: the child's last lines other than progress bars.
        report: the child's JSON report once done.
        error: one line saying why, once failed.
    """

    def __init__(self, data: Path, out: Path, base: Path, minutes: float, nice: int) -> None:
        self.data, self.out, self.base, self.minutes = Path(data), Path(out), Path(base), minutes
        self.nice = nice  # added to the child's niceness (0: the server's own priority)
        self.state = "running"
        self.stage = "starting"
        self.done = self.total = 0
        self.messages: deque[str] = deque(maxlen=MESSAGES_KEPT)
        self.report: dict[str, Any] | None = None
        self.error: str | None = None
        self.started = time.time()
        self.finished: float | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task | None = None

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "training.cli",
            "adapt",
            "--data",
            str(self.data),
            "--out",
            str(self.out),
            "--base",
            str(self.base),
            "--minutes",
            f"{self.minutes:g}",
            "--json",
        ]

    def start(self) -> None:
        """Start the child on the running event loop."""
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "120"}
        try:
            self._process = await asyncio.create_subprocess_exec(
                *self.command(),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                preexec_fn=(lambda: os.nice(self.nice)) if self.nice and hasattr(os, "nice") else None,  # noqa: PLW1509
            )
            assert self._process.stdout is not None and self._process.stderr is not None
            await asyncio.gather(
                self._read(self._process.stdout, self._stdout_line), self._read(self._process.stderr, self._stderr_line)
            )
            code = await self._process.wait()
        except OSError as exc:
            self._end("failed", f"could not start gesture adapt: {exc}")
            return
        if self.state == "cancelled":
            return
        if code == 0 and self.report is not None:
            self._end("done", None)
        else:
            self._end("failed", self._last_message() or f"gesture adapt exited with status {code}")

    @staticmethod
    async def _read(stream: asyncio.StreamReader, on_line: Any) -> None:
        pending = ""
        while chunk := await stream.read(4096):
            parts = LINES.split(pending + chunk.decode(errors="replace"))
            pending = parts.pop()
            for line in parts:
                if line.strip():
                    on_line(line.rstrip())
        if pending.strip():
            on_line(pending.rstrip())

    def _stdout_line(self, line: str) -> None:
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                self.report = json.loads(line)

    def _stderr_line(self, line: str) -> None:
        bar = BAR.match(line)
        if bar:
            self.stage, self.done, self.total = bar["stage"].strip(), int(bar["done"]), int(bar["total"])
            return
        self.messages.append(line)
        if line.startswith("exporting"):
            self.stage, self.done, self.total = "exporting the model and its stages", 0, 0

    def _last_message(self) -> str | None:
        for line in reversed(self.messages):
            if line.strip():
                return line.strip().removeprefix("error: ")
        return None

    def _end(self, state: str, error: str | None) -> None:
        self.state, self.error, self.finished = state, error, time.time()
        if state == "done":
            self.stage, self.done, self.total = "done", 1, 1
        else:  # a run that did not finish leaves no model behind (an export may have begun)
            for path in (self.out, self.out.with_suffix(".frame.onnx"), self.out.with_suffix(".window.onnx")):
                path.unlink(missing_ok=True)

    def cancel(self) -> None:
        """Stop the child (the model file it was writing is not used)."""
        if self.state == "running":
            self._end("cancelled", "cancelled")
            if self._process is not None and self._process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    self._process.kill()

    def to_json(self) -> dict[str, Any]:
        end = self.finished or time.time()
        return {
            "state": self.state,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "elapsed_s": round(end - self.started, 1),
            "budget_s": round(self.minutes * 60),
            "model": self.out.name,
            "messages": list(self.messages)[-8:],
            "report": self.report,
            "error": self.error,
        }
